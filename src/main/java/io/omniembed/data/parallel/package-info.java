/**
 * Parallel sentences for multilingual distillation from gettext catalogs: the {@code .mo}
 * format (reader and writer), locale directory names as BCP 47 tags, and the per-pair filters.
 * Pure functions on bytes and strings; no Spark, no Hadoop, no I/O.
 *
 * <p>Uses only {@code io.omniembed.data}.
 */
package io.omniembed.data.parallel;
