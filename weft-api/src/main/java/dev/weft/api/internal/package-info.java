/**
 * Not API: the field-by-field reader that collects located problems, the per-kind codecs (YAML tree to records and
 * back), syntax checks and Gateway API durations. Used by {@link dev.weft.api.ResourceLoader} and
 * {@link dev.weft.api.ResourceWriter}; other modules should not depend on it.
 */
package dev.weft.api.internal;
