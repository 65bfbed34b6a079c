/**
 * Text preprocessing: WordPiece tokenisation from a {@code tokenizer.json}, with explicit, counted
 * truncation. Imports no other project package.
 */
package io.omniembed.data.text;
