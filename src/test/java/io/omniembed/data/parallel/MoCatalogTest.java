package io.omniembed.data.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MoCatalogTest {

  static final Map<String, String> HEADER = new LinkedHashMap<>(Map.of(
      "Content-Type", "text/plain; charset=UTF-8", "Language", "de",
      "Plural-Forms", "nplurals=2; plural=(n != 1);"));

  static final List<MoCatalog.Message> MESSAGES = List.of(
      new MoCatalog.Message(null, "No such file", null, List.of("Datei nicht gefunden")),
      new MoCatalog.Message(null, "%d file removed", "%d files removed",
          List.of("%d Datei entfernt", "%d Dateien entfernt")),
      new MoCatalog.Message("menu", "Open", null, List.of("Öffnen")),
      new MoCatalog.Message("verb", "Open", null, List.of("Aufmachen")));

  @ParameterizedTest
  @ValueSource(strings = {"LITTLE_ENDIAN", "BIG_ENDIAN"})
  void readsWhatTheWriterWroteInEitherByteOrder(String orderName) {
    ByteOrder order = orderName.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN
        : ByteOrder.LITTLE_ENDIAN;
    byte[] mo = MoWriter.write(HEADER, MESSAGES, order);
    assertEquals(0x950412de, ByteBuffer.wrap(mo).order(order).getInt(0));
    MoCatalog c = MoCatalog.read(mo);
    assertEquals("de", c.language());
    assertEquals("nplurals=2; plural=(n != 1);", c.header().get("Plural-Forms"));
    // Sorted by their bytes as msgfmt sorts them: "%d…", "No…", then the contexts.
    assertEquals(List.of(MESSAGES.get(1), MESSAGES.get(0), MESSAGES.get(2), MESSAGES.get(3)),
        c.messages());
    MoCatalog.Message plural = c.messages().get(0);
    assertEquals("%d files removed", plural.idPlural());
    assertEquals("%d Datei entfernt", plural.translation());
    assertEquals("menu", c.messages().get(2).context());
    assertEquals("Open", c.messages().get(2).id());
  }

  @Test
  void theTwoByteOrdersDifferOnlyInTheirIntegers() {
    byte[] le = MoWriter.write(HEADER, MESSAGES, ByteOrder.LITTLE_ENDIAN);
    byte[] be = MoWriter.write(HEADER, MESSAGES, ByteOrder.BIG_ENDIAN);
    assertEquals(le.length, be.length);
    assertArrayEquals(Arrays.copyOfRange(le, 28 + 16 * 5, le.length),
        Arrays.copyOfRange(be, 28 + 16 * 5, be.length));
    assertEquals(false, Arrays.equals(le, be));
  }

  /** The reader on what GNU msgfmt compiles, when gettext is installed. */
  @Test
  void readsACatalogCompiledByMsgfmt(@TempDir Path dir) throws Exception {
    Path msgfmt = Path.of("/usr/bin/msgfmt");
    assumeTrue(Files.isExecutable(msgfmt), "msgfmt not installed (Debian gettext)");
    Path po = dir.resolve("t.po");
    Files.writeString(po, String.join("\n",
        "msgid \"\"", "msgstr \"\"", "\"Content-Type: text/plain; charset=ISO-8859-1\\n\"",
        "\"Language: fr\\n\"", "\"Plural-Forms: nplurals=2; plural=(n > 1);\\n\"", "",
        "msgctxt \"button\"", "msgid \"Close\"", "msgstr \"Fermer\"", "",
        "msgid \"%s: cannot stat\"", "msgstr \"%s : impossible d'évaluer\"", "",
        "msgid \"one day\"", "msgid_plural \"%d days\"", "msgstr[0] \"un jour\"",
        "msgstr[1] \"%d jours\"", ""), StandardCharsets.ISO_8859_1);
    Path mo = dir.resolve("t.mo");
    Process p = new ProcessBuilder(msgfmt.toString(), "-o", mo.toString(), po.toString())
        .redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), log);
    MoCatalog c = MoCatalog.read(Files.readAllBytes(mo));
    assertEquals("fr", c.language());
    assertEquals(List.of(
        new MoCatalog.Message(null, "%s: cannot stat", null,
            List.of("%s : impossible d'évaluer")),
        new MoCatalog.Message("button", "Close", null, List.of("Fermer")),
        new MoCatalog.Message(null, "one day", "%d days", List.of("un jour", "%d jours"))),
        c.messages().stream().sorted(java.util.Comparator.comparing(MoCatalog.Message::id))
            .toList());
  }

  @Test
  void refusesWhatIsNotACatalog() {
    byte[] png = new byte[40];
    png[0] = (byte) 0x89;
    png[1] = 'P';
    assertEquals("not a .mo file: it starts with 89 50 00 00, not the magic 0x950412de in either"
        + " byte order",
        assertThrows(IllegalArgumentException.class, () -> MoCatalog.read(png)).getMessage());
    assertEquals("not a .mo file: 4 bytes, shorter than the 28-byte header",
        assertThrows(IllegalArgumentException.class, () -> MoCatalog.read(new byte[4]))
            .getMessage());
    byte[] mo = MoWriter.write(HEADER, MESSAGES, ByteOrder.LITTLE_ENDIAN);
    byte[] cut = Arrays.copyOf(mo, mo.length - 20);
    String m = assertThrows(IllegalArgumentException.class, () -> MoCatalog.read(cut))
        .getMessage();
    // The last 20 bytes held the end of the translation of the string sorted third.
    assertEquals("truncated .mo file: string 2 at 310 (+20) is past its end (329 bytes)", m);
  }

  @Test
  void aCatalogWithoutHeaderIsReadAsUtf8WithoutLanguage() {
    MoCatalog c = MoCatalog.read(MoWriter.write(Map.of(), MESSAGES.subList(0, 1),
        ByteOrder.BIG_ENDIAN));
    assertNull(c.language());
    assertEquals(MESSAGES.subList(0, 1), c.messages());
  }
}
