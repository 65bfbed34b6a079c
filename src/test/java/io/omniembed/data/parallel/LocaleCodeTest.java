package io.omniembed.data.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LocaleCodeTest {

  @Test
  void normalisesGettextLocaleNames() {
    assertEquals("de", LocaleCode.parse("de"));
    assertEquals("de", LocaleCode.parse("de_DE"));
    assertEquals("de", LocaleCode.parse("de_DE.UTF-8"));
    assertEquals("de-CH", LocaleCode.parse("de_CH"));
    assertEquals("pt", LocaleCode.parse("pt_PT"));
    assertEquals("pt-BR", LocaleCode.parse("pt_BR"));
    assertEquals("zh-CN", LocaleCode.parse("zh_CN"));
    assertEquals("zh-TW", LocaleCode.parse("zh_TW"));
    assertEquals("sr-Latn", LocaleCode.parse("sr@latin"));
    assertEquals("ca-valencia", LocaleCode.parse("ca@valencia"));
    assertEquals("ast", LocaleCode.parse("ast"));
    assertEquals("es-419", LocaleCode.parse("es_419"));
    assertEquals("zh-Hans", LocaleCode.parse("zh_Hans"));
    assertEquals("sr-Latn", LocaleCode.parse("sr@Latn"));
    assertEquals("pt", LocaleCode.parse("pt-PT"));      // as catalog headers write it
    assertEquals("pt-BR", LocaleCode.parse("pt-BR"));
  }

  @Test
  void unknownNamesAreNotRecognised() {
    assertNull(LocaleCode.parse("xx"));
    assertNull(LocaleCode.parse("locale.alias"));
    assertNull(LocaleCode.parse("all_languages"));
    assertNull(LocaleCode.parse("sr@ijekavian"));
    assertNull(LocaleCode.parse("C"));
  }

  @Test
  void englishInAnyFormIsEnglish() {
    for (String name : new String[] {"en", "en_GB", "en@quot", "en@boldquot"}) {
      assertTrue(LocaleCode.isEnglish(LocaleCode.parse(name)), name);
    }
    assertFalse(LocaleCode.isEnglish("eo"));
    assertEquals("pt", LocaleCode.language("pt-BR"));
  }
}
