package io.omniembed.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import org.junit.jupiter.api.Test;

class ItemParserTest {

  private static Item ok(String json) {
    return assertInstanceOf(ItemParser.Ok.class, ItemParser.parse(json)).item();
  }

  private static ItemParser.Bad bad(String json) {
    return assertInstanceOf(ItemParser.Bad.class, ItemParser.parse(json));
  }

  @Test
  void textItem() {
    Item item = ok("{\"id\": \"a\", \"text\": \"hello\"}");
    assertEquals("a", item.id());
    assertEquals(List.of(new Part.Text("hello")), item.parts());
  }

  @Test
  void beirCorpusRowJoinsTitleAndTextAndNumericIdsBecomeStrings() {
    Item item = ok("{\"_id\": 7, \"title\": \"T\", \"text\": \"body\"}");
    assertEquals("7", item.id());
    assertEquals("T body", item.joinedText());
  }

  @Test
  void shorthandMediaFieldsFollowTheText() {
    Item item = ok("{\"id\": \"m\", \"text\": \"a cat\", \"image\": \"img/cat.png\"}");
    assertEquals(2, item.parts().size());
    Part.Media media = assertInstanceOf(Part.Media.class, item.parts().get(1));
    assertEquals(Modality.IMAGE, media.modality());
    assertEquals("img/cat.png", media.uri());
  }

  @Test
  void interleavedParts() {
    Item item = ok("{\"id\": \"p\", \"parts\": [{\"type\": \"text\", \"text\": \"x\"},"
        + " {\"type\": \"audio\", \"bytes\": \"AAEC\"}, {\"type\": \"text\", \"text\": \"y\"}]}");
    assertEquals(List.of(Modality.TEXT, Modality.AUDIO, Modality.TEXT),
        item.parts().stream().map(Part::modality).toList());
    assertEquals(3, ((Part.Media) item.parts().get(1)).bytes().length);
  }

  @Test
  void errorsSayWhatIsWrong() {
    assertEquals("malformed JSON: Unexpected end-of-input: expected close marker for Object"
        + " (start marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION`"
        + " disabled); line: 1, column: 1])", bad("{\"id\": \"a\"").reason());
    assertEquals("record is not a JSON object", bad("[1, 2]").reason());
    assertEquals("missing or empty 'id' (or '_id') field", bad("{\"text\": \"x\"}").reason());
    assertEquals("empty text", bad("{\"id\": \"e\", \"text\": \"  \"}").reason());
    assertEquals("e", bad("{\"id\": \"e\", \"text\": \"\"}").id());
    assertEquals("'text' must be a string, got number",
        bad("{\"id\": \"n\", \"text\": 5}").reason());
    assertEquals("no content: the record has no 'text', 'image', 'audio', 'video' or 'parts'",
        bad("{\"id\": \"n\"}").reason());
    assertEquals("parts[0] has unknown type 'smell' (expected text, image, audio or video)",
        bad("{\"id\": \"p\", \"parts\": [{\"type\": \"smell\"}]}").reason());
    assertEquals("parts[0] of type image needs exactly one of 'uri' or 'bytes'",
        bad("{\"id\": \"p\", \"parts\": [{\"type\": \"image\"}]}").reason());
    assertEquals("give either 'parts' or the 'text'/'image'/'audio'/'video' fields, not both",
        bad("{\"id\": \"p\", \"text\": \"t\", \"parts\": []}").reason());
  }
}
