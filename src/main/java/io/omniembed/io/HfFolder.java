package io.omniembed.io;

import io.omniembed.model.HfImport;
import io.omniembed.model.LoadedModel;
import io.omniembed.model.ModelFiles;
import io.omniembed.model.Safetensors;

import java.io.FileNotFoundException;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A Hugging Face encoder folder ({@code hf:PATH}) on any Hadoop filesystem, imported by {@link
 * HfImport}. Small files are read whole; the weights through positioned reads, one tensor at a
 * time, so a model is never held twice in memory.
 */
public final class HfFolder implements ModelFiles {

  private final String dir;
  private final Configuration conf;

  private HfFolder(String dir, Configuration conf) {
    this.dir = dir;
    this.conf = conf;
  }

  /**
   * Imports the folder {@code dir}, recorded as {@code modelId}; a missing folder is a
   * FileNotFoundException, any bad file an IOException naming it.
   */
  public static LoadedModel load(String dir, String modelId, Configuration conf)
      throws IOException {
    FileSystem fs = HadoopFiles.fs(dir, conf);
    Path p = new Path(dir);
    if (!fs.exists(p)) {
      throw new FileNotFoundException("model " + modelId + ": no such directory");
    }
    if (!fs.getFileStatus(p).isDirectory()) {
      throw new IOException("model " + modelId + ": not a directory (a Hugging Face encoder"
          + " folder holds config.json, tokenizer.json and model.safetensors or model.onnx)");
    }
    HfImport.Imported imported = HfImport.load(new HfFolder(dir, conf), p.getName());
    return new LoadedModel(imported.encoder(), imported.tokenizerJson(), modelId,
        Checkpoint.hash(imported.encoder().store()), imported.card());
  }

  @Override
  public String path(String relative) {
    return HadoopFiles.child(dir, relative);
  }

  @Override
  public boolean exists(String relative) throws IOException {
    Path p = new Path(path(relative));
    FileSystem fs = HadoopFiles.fs(p.toString(), conf);
    return fs.exists(p) && fs.getFileStatus(p).isFile();
  }

  @Override
  public byte[] read(String relative) throws IOException {
    return HadoopFiles.readBytes(path(relative), conf);
  }

  @Override
  public Safetensors.Source open(String relative) throws IOException {
    Path p = new Path(path(relative));
    FileSystem fs = HadoopFiles.fs(p.toString(), conf);
    FileStatus status = fs.getFileStatus(p);
    FSDataInputStream in = fs.open(p);
    return new Safetensors.Source() {
      @Override
      public long length() {
        return status.getLen();
      }

      @Override
      public void read(long position, byte[] into) throws IOException {
        in.readFully(position, into);
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    };
  }
}
