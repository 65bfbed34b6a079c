/**
 * Code data from real sources, pure per-file logic: documented methods and functions (JavaParser,
 * Rhino), and the synthetic code kinds built from them by program transformation — rewritten
 * clones, injected bugs with failure descriptions — and text-to-SQL from a grammar.
 *
 * <p>Uses only {@code data}; reads no files (callers pass the text of each source file).
 */
package io.omniembed.data.code;
