package io.omniembed.data.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PairFilterTest {

  private final PairFilter filter = PairFilter.DEFAULT;

  @Test
  void eachFilterDropsItsCase() {
    assertEquals(PairFilter.Drop.EMPTY, filter.check("Quit the program", ""));
    assertEquals(PairFilter.Drop.EMPTY, filter.check("  ", "Beenden"));
    assertEquals(PairFilter.Drop.IDENTICAL, filter.check("Linux kernel", "Linux kernel "));
    assertEquals(PairFilter.Drop.FORMAT_ONLY, filter.check("%s: %s", "%s : %s"));
    assertEquals(PairFilter.Drop.FORMAT_ONLY, filter.check("(%d%%)", "(%d %%)"));
    assertEquals(PairFilter.Drop.FORMAT_ONLY, filter.check("{0} - {1}", "{0} – {1}"));
    assertEquals(PairFilter.Drop.PLACEHOLDER_MISMATCH,
        filter.check("%s: cannot open %s", "%s: kann nicht öffnen"));
    assertEquals(PairFilter.Drop.PLACEHOLDER_MISMATCH,
        filter.check("%ld bytes", "%d Bytes"));
    assertEquals(PairFilter.Drop.PLACEHOLDER_MISMATCH,
        filter.check("Hello {name}", "Hallo {nom}"));
    assertEquals(PairFilter.Drop.TOO_SHORT, filter.check("No", "Nein"));
    assertEquals(PairFilter.Drop.LENGTH_RATIO, filter.check("Done", "Der Vorgang wurde"
        + " erfolgreich abgeschlossen"));
  }

  @Test
  void keepsFaithfulPairsWithReorderedOrRepaddedPlaceholders() {
    assertNull(filter.check("No such file", "Datei nicht gefunden"));
    assertNull(filter.check("%s: cannot read %s", "%2$s kann nicht von %1$s gelesen werden"));
    assertNull(filter.check("%5d files in %s", "%d Dateien in %s"));
    assertNull(filter.check("100%% done: {count}", "{count} zu 100%% fertig"));
    assertNull(filter.check("Day", "Tag"));
  }

  @Test
  void placeholdersAreAMultisetWithoutPositionsOrWidths() {
    assertEquals(List.of("%(name)s", "%d", "%ld", "%s", "%s", "{0}"),
        PairFilter.placeholders("%2$s %s %-5d %ld %(name)s {0} 50%%"));
  }

  @Test
  void optionsAreChecked() {
    assertEquals("--max-ratio must be >= 1, got 0.5", org.junit.jupiter.api.Assertions
        .assertThrows(IllegalArgumentException.class, () -> new PairFilter(3, 0.5))
        .getMessage());
  }

  @Test
  void aCatalogGivesItsKeptPairsAndCountsWhatEachFilterDropped() {
    byte[] mo = MoWriter.write(Map.of("Language", "de_DE"), List.of(
        new MoCatalog.Message("ctx", "No such file", null, List.of("Datei nicht gefunden")),
        new MoCatalog.Message(null, "%d file", "%d files", List.of("%d Datei", "%d Dateien")),
        new MoCatalog.Message(null, "%s: %s", null, List.of("%s: %s")),
        new MoCatalog.Message(null, "Untranslated", null, List.of(""))),
        ByteOrder.LITTLE_ENDIAN);
    CatalogPairs c = CatalogPairs.of(mo, "de", "coreutils", filter);
    assertNull(c.problem());
    assertEquals(List.of(new ParallelPair("de", "%d file", "%d Datei", "coreutils"),
        new ParallelPair("de", "No such file", "Datei nicht gefunden", "coreutils")), c.pairs());
    assertEquals(Map.of(PairFilter.Drop.EMPTY, 1L, PairFilter.Drop.IDENTICAL, 1L), c.dropped());
  }

  @Test
  void aCatalogOfAnotherLanguageThanItsDirectoryIsRefused() {
    byte[] mo = MoWriter.write(Map.of("Language", "fr"), List.of(
        new MoCatalog.Message(null, "No such file", null, List.of("Fichier introuvable"))),
        ByteOrder.LITTLE_ENDIAN);
    CatalogPairs c = CatalogPairs.of(mo, "de", "tar", filter);
    assertEquals("header Language 'fr' in a de directory", c.problem());
    assertEquals(List.of(), c.pairs());
    assertEquals("not a .mo file: 3 bytes, shorter than the 28-byte header",
        CatalogPairs.of(new byte[3], "de", "tar", filter).problem());
  }
}
