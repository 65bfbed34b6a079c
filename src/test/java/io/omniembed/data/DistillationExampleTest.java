package io.omniembed.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Distillation rows: what they hold, and each kind of bad row refused with its reason. */
class DistillationExampleTest {

  @Test
  void aDistillationRowIsSourceTranslationAndTeacher() {
    TrainingExample e = TrainingExample.parse("{\"task\":\"distill-de\",\"source\":\"No such"
        + " file\",\"translation\":\"Datei nicht gefunden\",\"lang\":\"de\",\"package\":\"tar\","
        + "\"teacher\":[0.6,-0.8]}");
    assertEquals("No such file", e.query().joinedText());
    assertEquals("Datei nicht gefunden", e.positive().joinedText());
    assertEquals(List.of(), e.negatives());
    assertArrayEquals(new float[] {0.6f, -0.8f}, e.teacher());
    assertNull(TrainingExample.parse("{\"task\":\"t\",\"query\":\"a\",\"positive\":\"b\"}")
        .teacher());
  }

  private static String refusal(String json) {
    return assertThrows(IllegalArgumentException.class, () -> TrainingExample.parse(json))
        .getMessage();
  }

  @Test
  void badRowsAreRefusedWithTheirReason() {
    assertEquals("'source' is empty", refusal("{\"task\":\"distill-de\",\"source\":\" \","
        + "\"translation\":\"x\",\"teacher\":[1]}"));
    assertEquals("missing column 'translation'", refusal("{\"task\":\"distill-de\","
        + "\"source\":\"Open\",\"teacher\":[1]}"));
    assertEquals("'source' and 'translation' are identical", refusal("{\"task\":\"distill-de\","
        + "\"source\":\"Linux\",\"translation\":\"Linux \",\"teacher\":[1]}"));
    assertEquals("lang 'fr' does not match task 'distill-de' (expected distill-fr)",
        refusal("{\"task\":\"distill-de\",\"source\":\"Open\",\"translation\":\"Ouvrir\","
            + "\"lang\":\"fr\",\"teacher\":[1]}"));
    assertEquals("task 'distill-de' is a distillation task but the row has no 'teacher'"
        + " embedding (embed the sources with the teacher and join them with join-teacher)",
        refusal("{\"task\":\"distill-de\",\"source\":\"Open\",\"translation\":\"Öffnen\"}"));
    assertEquals("'teacher' given for task 'code', which is neither a distillation task nor a"
        + " locked-text one (their names start with distill- and lit-)", refusal("{\"task\":\"code\",\"query\":\"a\","
            + "\"positive\":\"b\",\"teacher\":[1]}"));
    assertEquals("'teacher'[1] is not a finite number: \"x\"", refusal("{\"task\":"
        + "\"distill-de\",\"source\":\"Open\",\"translation\":\"Öffnen\",\"teacher\":[1,\"x\"]}"));
    assertEquals("'teacher' must be a non-empty list of numbers", refusal("{\"task\":"
        + "\"distill-de\",\"source\":\"Open\",\"translation\":\"Öffnen\",\"teacher\":[]}"));
  }

  @Test
  void parquetColumnsOfDistillationRowsAreAccepted() {
    TrainingExample.checkColumns("data", List.of("task", "source", "translation", "teacher"));
    assertEquals("data: missing column 'query' (found [task, source])",
        assertThrows(IllegalArgumentException.class, () -> TrainingExample.checkColumns("data",
            List.of("task", "source"))).getMessage());
  }
}
