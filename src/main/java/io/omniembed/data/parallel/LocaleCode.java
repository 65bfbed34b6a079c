package io.omniembed.data.parallel;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The language of a gettext locale directory ({@code language[_TERRITORY][.codeset][@modifier]},
 * as under {@code /usr/share/locale}) as a BCP 47 tag:
 * <ul>
 *   <li>the language in lower case; two letters must be an ISO 639-1 code, three letters are
 *       taken as ISO 639-2/3;</li>
 *   <li>a territory that only repeats the language ({@code de_DE}, {@code fr_FR}, {@code pt_PT})
 *       is dropped, since gettext falls back from it to the bare language anyway; any other is
 *       kept, because it marks another written standard: {@code pt_BR → pt-BR} stays apart from
 *       {@code pt}, {@code zh_CN → zh-CN} from {@code zh_TW → zh-TW}, {@code de_CH → de-CH};</li>
 *   <li>the codeset is dropped (every catalog says its own charset);</li>
 *   <li>the script modifiers become the script subtag ({@code sr@latin → sr-Latn}), as does a
 *       script written as in BCP 47 ({@code zh_Hans → zh-Hans}; a catalog header's
 *       {@code pt-PT} parses too),
 *       {@code @valencia} the registered variant ({@code ca-valencia}); another modifier is not
 *       recognised.</li>
 * </ul>
 * A name that does not parse is not recognised ({@link #parse} returns null), and the job reports
 * it. {@link #isEnglish} marks English locales, which are no translation of the English msgids.
 */
public final class LocaleCode {

  private LocaleCode() {}

  private static final Pattern NAME = Pattern.compile(
      "([A-Za-z]{2,3})(?:[_-]([A-Z][a-z]{3}))?(?:[_-]([A-Za-z]{2}|[0-9]{3}))?"
          + "(?:\\.[A-Za-z0-9_-]+)?(?:@([A-Za-z]+))?");
  private static final Set<String> ISO_639_1 = Set.of(Locale.getISOLanguages());
  private static final Map<String, String> SCRIPTS = Map.of("latin", "Latn", "cyrillic", "Cyrl",
      "arabic", "Arab", "devanagari", "Deva");
  private static final Set<String> ENGLISH_VARIANTS = Set.of("quot", "boldquot", "shaw");

  /** The BCP 47 tag of a locale directory name, or null when it is not recognised. */
  public static String parse(String name) {
    Matcher m = NAME.matcher(name.strip());
    if (!m.matches()) {
      return null;
    }
    String language = m.group(1).toLowerCase(Locale.ROOT);
    if (language.length() == 2 && !ISO_639_1.contains(language)) {
      return null;
    }
    String script = m.group(2);
    String variant = null;
    if (m.group(4) != null) {
      String modifier = m.group(4).toLowerCase(Locale.ROOT);
      script = SCRIPTS.get(modifier);
      if (script == null && SCRIPTS.containsValue(m.group(4))) {
        script = m.group(4);   // sr@Latn
      }
      if (modifier.equals("valencia") || language.equals("en")
          && ENGLISH_VARIANTS.contains(modifier)) {
        variant = modifier;   // en@quot: English with other quotes (skipped as English)
      } else if (script == null) {
        return null;
      }
    }
    StringBuilder tag = new StringBuilder(language);
    if (script != null) {
      tag.append('-').append(script);
    }
    String region = m.group(3);
    if (region != null && !region.equalsIgnoreCase(language)) {
      tag.append('-').append(region.toUpperCase(Locale.ROOT));
    }
    if (variant != null) {
      tag.append('-').append(variant);
    }
    return tag.toString();
  }

  /** The primary language subtag of a tag ({@code pt-BR → pt}). */
  public static String language(String tag) {
    int dash = tag.indexOf('-');
    return dash < 0 ? tag : tag.substring(0, dash);
  }

  /** Whether a tag is English (any region or variant). */
  public static boolean isEnglish(String tag) {
    return language(tag).equals("en");
  }
}
