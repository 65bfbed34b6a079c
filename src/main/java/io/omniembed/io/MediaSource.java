package io.omniembed.io;

import io.omniembed.model.ItemEmbedding;
import io.omniembed.config.MediaSpec;

import io.omniembed.data.media.MediaException;

import io.omniembed.data.Part;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The bytes of a media part: inline bytes as they are, or the file its {@code uri} names, read
 * through Hadoop's filesystems (local, HDFS, s3a, ...). A relative path is resolved against the
 * directory of the data file the item came from and must stay inside it: {@code ../} that leaves
 * it is refused, so a data file cannot make a job read arbitrary files. A URI with a scheme, or
 * an absolute path, is taken as written.
 */
public final class MediaSource {

  private MediaSource() {}

  /**
   * The media reader of an embedding run: through Hadoop's filesystems with {@code conf}, files
   * above {@code media}'s {@code max_media_bytes} refused (no limit for a text-only model).
   */
  public static ItemEmbedding.MediaLoader loader(MediaSpec media,
      org.apache.hadoop.conf.Configuration conf) {
    long maxBytes = media == null ? Long.MAX_VALUE : media.maxMediaBytes();
    HadoopConf shipped = new HadoopConf(conf);
    return (part, source) -> read(part, source, shipped.get(), maxBytes);
  }

  /**
   * @param source   the data file the item was read from (a Hadoop path or URI)
   * @param maxBytes the largest media file read; larger ones are refused, not truncated
   */
  public static byte[] read(Part.Media part, String source, Configuration conf, long maxBytes)
      throws MediaException {
    if (part.bytes() != null) {
      if (part.bytes().length > maxBytes) {
        throw new MediaException("inline " + part.modality().key() + " of "
            + part.bytes().length + " bytes exceeds the limit of " + maxBytes);
      }
      return part.bytes();
    }
    Path path = resolve(part.uri(), source);
    try {
      FileSystem fs = path.getFileSystem(conf);
      long length = fs.getFileStatus(path).getLen();
      if (length > maxBytes) {
        throw new MediaException(part.modality().key() + " file " + path + " of " + length
            + " bytes exceeds the limit of " + maxBytes);
      }
      try (InputStream in = fs.open(path)) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) length);
        in.transferTo(out);
        return out.toByteArray();
      }
    } catch (FileNotFoundException e) {
      throw new MediaException(part.modality().key() + " file not found: " + path);
    } catch (IOException e) {
      throw new MediaException("cannot read " + part.modality().key() + " file " + path + ": "
          + e.getMessage(), e);
    }
  }

  /** The path a media URI names, relative ones resolved against the source file's directory. */
  public static Path resolve(String uri, String source) throws MediaException {
    URI parsed;
    try {
      parsed = new URI(null, null, uri, null);   // quotes spaces and the like in a bare path
      if (uri.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
        parsed = new URI(uri);
      }
    } catch (URISyntaxException e) {
      throw new MediaException("invalid media URI '" + uri + "': " + e.getReason());
    }
    if (parsed.isAbsolute() || uri.startsWith("/")) {
      return new Path(parsed);
    }
    if (source == null || source.isEmpty()) {
      throw new MediaException("relative media path '" + uri + "' but no data file to resolve"
          + " it against (give an absolute path or URI, or the Embedder a sourceCol)");
    }
    Path dir = new Path(source).getParent();
    URI base = dir.toUri();
    String basePath = base.getPath().endsWith("/") ? base.getPath() : base.getPath() + "/";
    URI resolved;
    try {
      resolved = new URI(base.getScheme(), base.getAuthority(), basePath, null, null)
          .resolve(parsed).normalize();
    } catch (URISyntaxException e) {
      throw new MediaException("cannot resolve media path '" + uri + "' against " + dir);
    }
    String p = resolved.getPath();
    if (p == null || !p.startsWith(basePath) || p.length() == basePath.length()) {
      throw new MediaException("media path '" + uri + "' escapes the data directory " + dir);
    }
    return new Path(resolved);
  }
}
