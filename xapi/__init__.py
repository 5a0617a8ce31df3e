"""Pure xAPI statement building on the tincan library: vocabulary, actors, context, builders."""
