package io.omniembed.data.parallel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compiled gettext catalog ({@code .mo}, GNU gettext manual §10.3 "The Format of GNU MO
 * Files"), read from its bytes:
 * <pre>
 *   offset  0: magic 0x950412de, in the byte order of the whole file (either endianness)
 *           4: file format revision (major in the high 16 bits: 0 or 1)
 *           8: N, the number of strings
 *          12: O, offset of the table of original strings: N × (length, offset)
 *          16: T, offset of the table of translations: N × (length, offset)
 *          20: size and offset of the hash table (not needed to read every entry)
 * </pre>
 * Each string is NUL-terminated (the length leaves the NUL out). An original of the form
 * {@code msgctxt \u0004 msgid} has a context; {@code msgid \0 msgid_plural} has plural forms, and
 * its translation holds the forms separated by NUL. The entry with the empty msgid is the header
 * ({@code Language:}, {@code Content-Type: ...; charset=...}), whose charset decodes every
 * string. Revision 1's system-dependent strings are left out: they are not in the N-string table.
 */
public record MoCatalog(Map<String, String> header, List<Message> messages) {

  /** The magic number, as read in the file's own byte order. */
  public static final int MAGIC = 0x950412de;

  /** The separator of a context from its msgid. */
  public static final char CONTEXT_SEPARATOR = '\u0004';

  /**
   * One entry: its context (null without), msgid, msgid_plural (null without) and the translated
   * forms (one without plural; msgstr[0] is the singular).
   */
  public record Message(String context, String id, String idPlural, List<String> translations) {

    public Message {
      translations = List.copyOf(translations);
    }

    /** The singular translation: msgstr, or msgstr[0] of a plural entry. */
    public String translation() {
      return translations.isEmpty() ? "" : translations.get(0);
    }
  }

  public MoCatalog {
    header = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(header));
    messages = List.copyOf(messages);
  }

  private static final Pattern CHARSET = Pattern.compile("charset=([A-Za-z0-9_.:-]+)");

  /** The header's {@code Language} field, or null when it has none or it is empty. */
  public String language() {
    String l = header.get("Language");
    return l == null || l.isBlank() ? null : l.strip();
  }

  /** Reads a catalog; a file that is not one fails with the reason. */
  public static MoCatalog read(byte[] bytes) {
    if (bytes.length < 28) {
      throw new IllegalArgumentException("not a .mo file: " + bytes.length + " bytes, shorter"
          + " than the 28-byte header");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (buf.getInt(0) != MAGIC) {
      buf.order(ByteOrder.BIG_ENDIAN);
      if (buf.getInt(0) != MAGIC) {
        throw new IllegalArgumentException(String.format("not a .mo file: it starts with %02x %02x"
            + " %02x %02x, not the magic 0x950412de in either byte order", bytes[0], bytes[1],
            bytes[2], bytes[3]));
      }
    }
    int major = buf.getInt(4) >>> 16;
    if (major > 1) {
      throw new IllegalArgumentException("unsupported .mo revision " + major);
    }
    int n = buf.getInt(8);
    int originals = buf.getInt(12);
    int translations = buf.getInt(16);
    if (n < 0 || !fits(bytes, originals, 8L * n) || !fits(bytes, translations, 8L * n)) {
      throw new IllegalArgumentException("truncated .mo file: " + n + " strings do not fit in "
          + bytes.length + " bytes");
    }
    byte[][] ids = new byte[n][];
    byte[][] strs = new byte[n][];
    for (int i = 0; i < n; i++) {
      ids[i] = string(bytes, buf, originals + 8 * i, i);
      strs[i] = string(bytes, buf, translations + 8 * i, i);
    }
    // The header is the entry with the empty msgid (sorted first when present).
    Map<String, String> header = new LinkedHashMap<>();
    Charset charset = StandardCharsets.UTF_8;
    for (int i = 0; i < n; i++) {
      if (ids[i].length == 0) {
        String text = new String(strs[i], StandardCharsets.ISO_8859_1);
        Matcher m = CHARSET.matcher(text);
        if (m.find() && !m.group(1).equalsIgnoreCase("CHARSET")) {
          try {
            charset = Charset.forName(m.group(1));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown charset '" + m.group(1) + "' in the"
                + " header");
          }
        }
        for (String line : new String(strs[i], charset).split("\n")) {
          int colon = line.indexOf(':');
          if (colon > 0) {
            header.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
          }
        }
      }
    }
    List<Message> messages = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      if (ids[i].length == 0) {
        continue;
      }
      String id = new String(ids[i], charset);
      String context = null;
      int eot = id.indexOf(CONTEXT_SEPARATOR);
      if (eot >= 0) {
        context = id.substring(0, eot);
        id = id.substring(eot + 1);
      }
      String plural = null;
      int nul = id.indexOf('\0');
      if (nul >= 0) {
        plural = id.substring(nul + 1);
        id = id.substring(0, nul);
      }
      messages.add(new Message(context, id, plural,
          List.of(new String(strs[i], charset).split("\0", -1))));
    }
    return new MoCatalog(header, messages);
  }

  private static boolean fits(byte[] bytes, long offset, long length) {
    return offset >= 0 && offset + length <= bytes.length;
  }

  private static byte[] string(byte[] bytes, ByteBuffer buf, int entry, int index) {
    long length = Integer.toUnsignedLong(buf.getInt(entry));
    long offset = Integer.toUnsignedLong(buf.getInt(entry + 4));
    if (!fits(bytes, offset, length)) {
      throw new IllegalArgumentException("truncated .mo file: string " + index + " at " + offset
          + " (+" + length + ") is past its end (" + bytes.length + " bytes)");
    }
    byte[] out = new byte[(int) length];
    System.arraycopy(bytes, (int) offset, out, 0, (int) length);
    return out;
  }
}
