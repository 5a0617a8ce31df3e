"""Pure xAPI statement building on the tincan library: vocabulary, actors, context, builders.

Entry points: ``xapi.builders`` (one function per interaction, returning ``tincan.Statement``),
``xapi.inputs`` (Who, Where, Cohort, Post, Prompt, Row, XapiOptions), ``xapi.serialize.to_json``
and ``xapi.profile.profile_document`` (the xAPI Profile, generated from ``xapi.vocabulary`` and
``xapi.interactions``).
"""
