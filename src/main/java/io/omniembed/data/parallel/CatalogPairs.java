package io.omniembed.data.parallel;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The pairs of one catalog: every message's msgid and singular translation, contexts stripped,
 * through a {@link PairFilter}, with the count of what each filter dropped. A catalog whose header
 * names another language than its directory ({@code Language: fr} under {@code de/}) gives no
 * pairs at all and says why, since its translations cannot be trusted to be in either.
 *
 * @param pairs    the pairs kept
 * @param dropped  how many pairs each filter dropped
 * @param problem  why the whole catalog was refused, or null
 */
public record CatalogPairs(List<ParallelPair> pairs, Map<PairFilter.Drop, Long> dropped,
    String problem) implements Serializable {

  /**
   * The pairs of the catalog {@code mo} of text domain {@code pkg}, found under a locale
   * directory whose tag is {@code lang}.
   */
  public static CatalogPairs of(byte[] mo, String lang, String pkg, PairFilter filter) {
    MoCatalog catalog;
    try {
      catalog = MoCatalog.read(mo);
    } catch (IllegalArgumentException e) {
      return refused(e.getMessage());
    }
    String declared = catalog.language();
    if (declared != null) {
      String tag = LocaleCode.parse(declared);
      if (tag == null) {
        return refused("header Language '" + declared + "' is not a recognised locale");
      }
      if (!LocaleCode.language(tag).equals(LocaleCode.language(lang))) {
        return refused("header Language '" + declared + "' in a " + lang + " directory");
      }
    }
    List<ParallelPair> pairs = new ArrayList<>();
    Map<PairFilter.Drop, Long> dropped = new EnumMap<>(PairFilter.Drop.class);
    for (MoCatalog.Message m : catalog.messages()) {
      PairFilter.Drop d = filter.check(m.id(), m.translation());
      if (d != null) {
        dropped.merge(d, 1L, Long::sum);
      } else {
        pairs.add(new ParallelPair(lang, m.id().strip(), m.translation().strip(), pkg));
      }
    }
    return new CatalogPairs(pairs, dropped, null);
  }

  private static CatalogPairs refused(String why) {
    return new CatalogPairs(List.of(), new EnumMap<>(PairFilter.Drop.class), why);
  }
}
