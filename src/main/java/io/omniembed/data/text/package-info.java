/**
 * Text preprocessing: tokenisation from a Hugging Face {@code tokenizer.json} (WordPiece,
 * SentencePiece Unigram), with the special tokens the file names and explicit, counted
 * truncation. Imports no other project package.
 */
package io.omniembed.data.text;
