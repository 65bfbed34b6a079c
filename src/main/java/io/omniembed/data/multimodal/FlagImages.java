package io.omniembed.data.multimodal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Country flags of Debian {@code iso-flags-png-320x240} ({@code CC.png} by ISO 3166-1 alpha-2
 * code) named by Debian {@code iso-codes} ({@code json/iso_3166-1.json}). English names: the
 * translations live in gettext catalogues, which this reader does not parse.
 */
public final class FlagImages {

  private FlagImages() {}

  public static List<NamedImage> read(Path flagsDir, Path iso3166Json) throws IOException {
    if (!Files.isRegularFile(iso3166Json)) {
      throw new IllegalArgumentException("no ISO 3166-1 table at " + iso3166Json + " (Debian"
          + " iso-codes: /usr/share/iso-codes/json/iso_3166-1.json)");
    }
    JsonNode countries = new ObjectMapper().readTree(iso3166Json.toFile()).path("3166-1");
    List<NamedImage> out = new ArrayList<>();
    for (JsonNode c : countries) {
      String code = c.path("alpha_2").asText().toLowerCase(Locale.ROOT);
      Path png = flagsDir.resolve(code + ".png");
      if (code.isEmpty() || !Files.isRegularFile(png)) {
        continue;
      }
      String name = c.has("common_name") ? c.path("common_name").asText()
          : c.path("name").asText();
      out.add(new NamedImage("flag:" + code, "flags", Files.readAllBytes(png),
          Map.of("en", "flag of " + name)));
    }
    return out;
  }
}
