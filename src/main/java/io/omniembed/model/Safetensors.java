package io.omniembed.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors format of Hugging Face weights ({@code model.safetensors}):
 * <pre>
 *   8 bytes    N, the header length, unsigned little-endian
 *   N bytes    JSON: {"NAME": {"dtype": "F32", "shape": [30522, 384], "data_offsets": [B, E]}, ...,
 *              "__metadata__": {...}} (may end in spaces)
 *   the rest   the data buffer; a tensor's bytes are [B, E) of it, little-endian, row-major
 * </pre>
 * Opening reads and checks the header only: every entry's dtype, shape and offsets (inside the
 * data buffer, matching the shape's size, no two tensors overlapping), so a truncated or tampered
 * file fails before any weight is used, with a message naming the file and the tensor. Tensors are
 * then read one at a time through a {@link Source} (positioned reads), never the whole file at
 * once. F32, F16 and BF16 are converted to float32; a tensor of any other dtype is refused when
 * it is read (files may carry integer buffers, such as BERT's {@code position_ids}, that are
 * never used).
 */
public final class Safetensors {

  /** Positioned reads of a file: a local array, or a Hadoop stream in {@code io}. */
  public interface Source extends AutoCloseable {
    long length() throws IOException;

    /** Fills {@code into} with the bytes at {@code position}. */
    void read(long position, byte[] into) throws IOException;

    @Override
    default void close() throws IOException {}

    static Source of(byte[] bytes) {
      return new Source() {
        @Override
        public long length() {
          return bytes.length;
        }

        @Override
        public void read(long position, byte[] into) {
          System.arraycopy(bytes, (int) position, into, 0, into.length);
        }
      };
    }
  }

  /** One header entry: where a tensor's bytes lie in the data buffer. */
  public record Entry(String name, String dtype, long[] shape, long begin, long end) {}

  /** The header's size limit of the format (100 MB): larger is not a safetensors file. */
  static final long MAX_HEADER = 100L << 20;

  /** Bytes per element of every dtype the format defines; only F32, F16 and BF16 are read. */
  private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
      Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E5M2", 1),
      Map.entry("F8_E4M3", 1), Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2),
      Map.entry("BF16", 2), Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4),
      Map.entry("F64", 8), Map.entry("I64", 8), Map.entry("U64", 8));
  private static final Set<String> READ = Set.of("F32", "F16", "BF16");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Source source;
  private final String origin;
  private final long dataStart;
  private final Map<String, Entry> entries;

  private Safetensors(Source source, String origin, long dataStart, Map<String, Entry> entries) {
    this.source = source;
    this.origin = origin;
    this.dataStart = dataStart;
    this.entries = entries;
  }

  /** Reads and checks the header of {@code source}; {@code origin} names the file in errors. */
  public static Safetensors open(Source source, String origin) throws IOException {
    long length = source.length();
    if (length < 8) {
      throw new IOException(origin + ": " + length + " bytes, too short for a safetensors file"
          + " (an 8-byte header length comes first)");
    }
    byte[] head = new byte[8];
    source.read(0, head);
    long n = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n < 0 || n > length - 8) {
      throw new IOException(origin + ": header length " + Long.toUnsignedString(n) + " runs past"
          + " the end of the file (" + length + " bytes); the file is truncated or not"
          + " safetensors");
    }
    if (n > MAX_HEADER) {
      throw new IOException(origin + ": header length " + n + " is above the format's limit of "
          + MAX_HEADER + " bytes; not a safetensors file");
    }
    byte[] header = new byte[(int) n];
    source.read(8, header);
    JsonNode root;
    try {
      root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(origin + ": the header is not JSON (" + e.getOriginalMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw new IOException(origin + ": the header is not a JSON object");
    }
    long dataLength = length - 8 - n;
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (f.getKey().equals("__metadata__")) {
        continue;
      }
      entries.put(f.getKey(), entry(f.getKey(), f.getValue(), dataLength, origin));
    }
    checkNoOverlap(entries, origin);
    return new Safetensors(source, origin, 8 + n, Collections.unmodifiableMap(entries));
  }

  private static Entry entry(String name, JsonNode e, long dataLength, String origin)
      throws IOException {
    String where = origin + ": tensor " + name;
    String dtype = e.path("dtype").asText("");
    Integer size = DTYPE_BYTES.get(dtype);
    if (size == null) {
      throw new IOException(where + " has dtype '" + dtype + "', which is not a safetensors"
          + " dtype");
    }
    JsonNode shapeNode = e.path("shape");
    JsonNode offsets = e.path("data_offsets");
    if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
      throw new IOException(where + ": the header entry needs shape [..] and data_offsets"
          + " [begin, end]");
    }
    long[] shape = new long[shapeNode.size()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
        throw new IOException(where + " has shape " + shapeNode + "; dimensions are counts");
      }
      shape[i] = d.asLong();
      count = Math.multiplyExact(count, shape[i]);
    }
    for (JsonNode o : offsets) {
      if (!o.isIntegralNumber() || !o.canConvertToLong() || o.asLong() < 0) {
        throw new IOException(where + " has data_offsets " + offsets + "; offsets are byte"
            + " positions");
      }
    }
    long begin = offsets.get(0).asLong();
    long end = offsets.get(1).asLong();
    if (begin > end || end > dataLength) {
      throw new IOException(where + ": data_offsets [" + begin + ", " + end + "] lie outside the"
          + " data (" + dataLength + " bytes after the header); the file is truncated or"
          + " tampered");
    }
    if (end - begin != count * size) {
      throw new IOException(where + ": data_offsets [" + begin + ", " + end + "] hold "
          + (end - begin) + " bytes, but shape " + Arrays.toString(shape) + " of " + dtype
          + " needs " + count * size);
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  private static void checkNoOverlap(Map<String, Entry> entries, String origin)
      throws IOException {
    List<Entry> sorted = new ArrayList<>(entries.values());
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    for (int i = 1; i < sorted.size(); i++) {
      Entry a = sorted.get(i - 1);
      Entry b = sorted.get(i);
      if (b.begin() < a.end() && b.end() > b.begin()) {
        throw new IOException(origin + ": tensors " + a.name() + " and " + b.name()
            + " overlap (bytes [" + a.begin() + ", " + a.end() + ") and [" + b.begin() + ", "
            + b.end() + ")); the file is tampered");
      }
    }
  }

  /** The tensor names, in header order. */
  public Set<String> names() {
    return entries.keySet();
  }

  public boolean has(String name) {
    return entries.containsKey(name);
  }

  public Entry entry(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException(origin + ": no tensor named " + name);
    }
    return e;
  }

  /** Reads tensor {@code name} as float32 (F32 as is, F16 and BF16 widened exactly). */
  public FloatTensor tensor(String name) throws IOException {
    Entry e = entry(name);
    if (!READ.contains(e.dtype())) {
      throw new IOException(origin + ": tensor " + name + " has dtype " + e.dtype() + "; only"
          + " F32, F16 and BF16 are read");
    }
    long bytes = e.end() - e.begin();
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IOException(origin + ": tensor " + name + " has " + bytes + " bytes, more than"
          + " one array holds");
    }
    byte[] raw = new byte[(int) bytes];
    source.read(dataStart + e.begin(), raw);
    ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    float[] values;
    switch (e.dtype()) {
      case "F32" -> {
        values = new float[raw.length / 4];
        bb.asFloatBuffer().get(values);
      }
      case "F16" -> {
        values = new float[raw.length / 2];
        for (int i = 0; i < values.length; i++) {
          values[i] = halfToFloat(bb.getShort(2 * i) & 0xffff);
        }
      }
      default -> {   // BF16: the high 16 bits of a float32
        values = new float[raw.length / 2];
        for (int i = 0; i < values.length; i++) {
          values[i] = Float.intBitsToFloat((bb.getShort(2 * i) & 0xffff) << 16);
        }
      }
    }
    return new FloatTensor(name, e.shape(), values);
  }

  /** IEEE 754 binary16 → float32, exact (every half is a float). */
  static float halfToFloat(int h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mantissa = h & 0x3ff;
    if (exp == 0) {
      float v = mantissa * 0x1p-24f;   // zero or subnormal: mantissa · 2^-24
      return sign != 0 ? -v : v;
    }
    if (exp == 31) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));   // inf, NaN
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mantissa << 13));
  }

  /**
   * A safetensors file of {@code tensors} as F32, in the given order, without metadata (the
   * tests write their fixtures with it).
   */
  public static byte[] writeF32(List<FloatTensor> tensors) {
    return writeF32(tensors, Map.of());
  }

  /**
   * A safetensors file of {@code tensors} as F32, in the given order, with {@code metadata} as
   * its {@code __metadata__} (string to string, as the format allows; transformers checks {@code
   * "format": "pt"} in the files it loads). The tensors lie back to back from offset 0, as the
   * format requires (no gaps); the header is padded with spaces to a multiple of 8 bytes so the
   * data buffer starts aligned.
   */
  public static byte[] writeF32(List<FloatTensor> tensors, Map<String, String> metadata) {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (FloatTensor t : tensors) {
      if (header.has(t.name())) {
        throw new IllegalArgumentException("two tensors named " + t.name());
      }
      ObjectNode e = header.putObject(t.name());
      e.put("dtype", "F32");
      var shape = e.putArray("shape");
      for (long d : t.dims()) {
        shape.add(d);
      }
      e.putArray("data_offsets").add(offset).add(offset + 4L * t.values().length);
      offset += 4L * t.values().length;
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;   // the data buffer starts 8-byte aligned
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
    out.writeBytes(len.array());
    out.writeBytes(json);
    for (int i = json.length; i < padded; i++) {
      out.write(' ');
    }
    for (FloatTensor t : tensors) {
      ByteBuffer bb = ByteBuffer.allocate(4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
      bb.asFloatBuffer().put(t.values());
      out.writeBytes(bb.array());
    }
    return out.toByteArray();
  }
}
