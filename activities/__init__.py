"""The domain: reflection, discussion, cohort. No Flask, no pylti1p3."""
