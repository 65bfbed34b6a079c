/** Text preprocessing: WordPiece tokenisation with explicit, counted truncation. */
package io.omniembed.data.text;
