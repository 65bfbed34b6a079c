package io.omniembed.io;

import io.omniembed.data.Item;
import io.omniembed.data.ItemParser;
import io.omniembed.data.Modality;
import io.omniembed.data.Part;
import io.omniembed.model.ItemEmbedding;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The queries of a {@code search}, read on the driver before any model is loaded:
 * <ul>
 *   <li>a text ({@code --query TEXT}): one item, id {@value #TEXT_ID};</li>
 *   <li>a media file ({@code --query-file x.png}, by its extension, see {@link
 *       Modality#ofFileName}): one item holding that image, audio clip or video, its id the
 *       file name;</li>
 *   <li>a JSONL file ({@code .jsonl} or {@code .json}) of items, one a line ({@code id} and
 *       {@code text}, {@code image}, {@code audio}, {@code video} or {@code parts}, as
 *       {@link ItemParser} reads them; media paths relative to the file's directory).</li>
 * </ul>
 * Every query must be an item: a bad line or a repeated id stops the search, naming the line.
 */
public final class QueryItems {

  /** The id of a {@code --query TEXT} item. */
  public static final String TEXT_ID = "query";

  private QueryItems() {}

  /** The id of a query read by this class (every one is a parsed item). */
  public static String id(ItemEmbedding.Input query) {
    return ((ItemParser.Ok) query.result()).item().id();
  }

  /** The item of {@code --query TEXT}. */
  public static List<ItemEmbedding.Input> text(String text) {
    if (text.isBlank()) {
      throw new IllegalArgumentException("--query is empty");
    }
    return List.of(new ItemEmbedding.Input(null, new ItemParser.Ok(Item.text(TEXT_ID, text))));
  }

  /** The items of {@code --query-file PATH} (any Hadoop path). */
  public static List<ItemEmbedding.Input> file(String path, Configuration conf)
      throws IOException {
    Path p = new Path(path);
    FileSystem fs = HadoopFiles.fs(path, conf);
    if (!fs.exists(p) || fs.getFileStatus(p).isDirectory()) {
      throw new IllegalArgumentException("--query-file " + path + ": no such file");
    }
    String source = fs.makeQualified(p).toString();
    String name = p.getName();
    Modality media = Modality.ofFileName(name);
    if (media != null) {
      // The file name, resolved against the file's own directory: the way MediaSource reads a
      // relative path of a data file, on any filesystem.
      Item item = new Item(name, List.of(new Part.Media(media, name, null)));
      return List.of(new ItemEmbedding.Input(source, new ItemParser.Ok(item)));
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (!lower.endsWith(".jsonl") && !lower.endsWith(".json")) {
      throw new IllegalArgumentException("--query-file " + path + ": expected a .jsonl file of"
          + " query items or an image, audio or video file (.png .jpg .jpeg .gif .bmp .wav"
          + " .flac .ogg .mp3 .mp4)");
    }
    return jsonl(path, source, HadoopFiles.readString(path, conf));
  }

  /** Parses the lines of a JSONL query file; {@code source} resolves relative media paths. */
  static List<ItemEmbedding.Input> jsonl(String path, String source, String content) {
    List<ItemEmbedding.Input> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    String[] lines = content.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      ItemParser.Result r = ItemParser.parseRecord(lines[i]);
      if (r instanceof ItemParser.Bad bad) {
        throw new IllegalArgumentException("--query-file " + path + " line " + (i + 1) + ": "
            + bad.reason());
      }
      String id = ((ItemParser.Ok) r).item().id();
      if (!ids.add(id)) {
        throw new IllegalArgumentException("--query-file " + path + " line " + (i + 1)
            + ": query id '" + id + "' appears twice");
      }
      out.add(new ItemEmbedding.Input(source, r));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("--query-file " + path + ": no queries");
    }
    return out;
  }
}
