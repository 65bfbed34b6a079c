package io.omniembed.data.parallel;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link MoCatalog} as a revision-0 {@code .mo} file in either byte order, UTF-8, with
 * the header entry first and the originals sorted by their bytes (as {@code msgfmt} does, for
 * gettext's binary search) and no hash table. For test fixtures and tools that build catalogs.
 */
public final class MoWriter {

  private MoWriter() {}

  /** The catalog's bytes; {@code header} becomes the empty msgid's translation. */
  public static byte[] write(Map<String, String> header, List<MoCatalog.Message> messages,
      ByteOrder order) {
    List<byte[][]> entries = new ArrayList<>();
    if (!header.isEmpty()) {
      StringBuilder h = new StringBuilder();
      header.forEach((k, v) -> h.append(k).append(": ").append(v).append('\n'));
      entries.add(new byte[][] {new byte[0], utf8(h.toString())});
    }
    for (MoCatalog.Message m : messages) {
      String id = (m.context() == null ? "" : m.context() + MoCatalog.CONTEXT_SEPARATOR)
          + m.id() + (m.idPlural() == null ? "" : "\0" + m.idPlural());
      entries.add(new byte[][] {utf8(id), utf8(String.join("\0", m.translations()))});
    }
    entries.sort(Comparator.comparing(e -> e[0], Arrays::compareUnsigned));
    int n = entries.size();
    int originals = 28;
    int translations = originals + 8 * n;
    int data = translations + 8 * n;
    ByteBuffer head = ByteBuffer.allocate(data).order(order);
    head.putInt(MoCatalog.MAGIC).putInt(0).putInt(n).putInt(originals).putInt(translations)
        .putInt(0).putInt(data);
    ByteArrayOutputStream strings = new ByteArrayOutputStream();
    for (int column = 0; column < 2; column++) {
      for (int i = 0; i < n; i++) {
        byte[] s = entries.get(i)[column];
        head.putInt((column == 0 ? originals : translations) + 8 * i, s.length);
        head.putInt((column == 0 ? originals : translations) + 8 * i + 4, data + strings.size());
        strings.write(s, 0, s.length);
        strings.write(0);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(head.array(), 0, data);
    out.write(strings.toByteArray(), 0, strings.size());
    return out.toByteArray();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
