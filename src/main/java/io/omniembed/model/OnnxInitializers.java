package io.omniembed.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the float initializers of an ONNX model, and which MatMul node consumes each, straight
 * from the protobuf wire format. SameDiff's ONNX import fails on MiniLM and would pull in hundreds
 * of MB; the few fields needed here take a page of code.
 *
 * <p>Fields read (onnx.proto3): ModelProto.graph = 7; GraphProto.node = 1, initializer = 5;
 * NodeProto.input = 1, name = 3, op_type = 4; TensorProto.dims = 1, data_type = 2,
 * float_data = 4, name = 8, raw_data = 9. Only FLOAT (data_type 1) tensors are kept.
 */
public final class OnnxInitializers {

  /** A float tensor: its dims and row-major values. */
  public record Tensor(String name, long[] dims, float[] values) {}

  private final Map<String, Tensor> tensors = new HashMap<>();
  /** Node name → the initializer names among its inputs, for MatMul nodes. */
  private final Map<String, List<String>> matMulWeights = new HashMap<>();

  private OnnxInitializers() {}

  public static OnnxInitializers read(InputStream in) throws IOException {
    byte[] model = in.readAllBytes();
    OnnxInitializers out = new OnnxInitializers();
    Wire m = new Wire(model, 0, model.length);
    byte[] graph = null;
    int graphStart = 0;
    int graphEnd = 0;
    while (m.more()) {
      int tag = m.tag();
      if (tag >>> 3 == 7 && (tag & 7) == 2) {
        graphEnd = m.lengthDelimitedEnd();
        graphStart = m.pos;
        graph = model;
        m.pos = graphEnd;
      } else {
        m.skip(tag);
      }
    }
    if (graph == null) {
      throw new IOException("not an ONNX model: no graph");
    }
    List<int[]> nodeRanges = new ArrayList<>();
    Wire g = new Wire(model, graphStart, graphEnd);
    while (g.more()) {
      int tag = g.tag();
      int field = tag >>> 3;
      if ((tag & 7) == 2 && (field == 1 || field == 5)) {
        int end = g.lengthDelimitedEnd();
        if (field == 5) {
          Tensor t = readTensor(new Wire(model, g.pos, end));
          if (t != null) {
            out.tensors.put(t.name(), t);
          }
        } else {
          nodeRanges.add(new int[] {g.pos, end});
        }
        g.pos = end;
      } else {
        g.skip(tag);
      }
    }
    for (int[] r : nodeRanges) {
      readNode(new Wire(model, r[0], r[1]), out);
    }
    return out;
  }

  public Tensor tensor(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("ONNX model has no float initializer named " + name);
    }
    return t;
  }

  /** The weight initializer consumed by the MatMul node {@code nodeName}. */
  public Tensor matMulWeight(String nodeName) {
    List<String> names = matMulWeights.get(nodeName);
    if (names == null || names.size() != 1) {
      throw new IllegalArgumentException("ONNX model has no MatMul node " + nodeName
          + " with exactly one weight input");
    }
    return tensor(names.get(0));
  }

  private static void readNode(Wire w, OnnxInitializers out) {
    List<String> inputs = new ArrayList<>();
    String name = null;
    String op = null;
    while (w.more()) {
      int tag = w.tag();
      int field = tag >>> 3;
      if ((tag & 7) == 2 && (field == 1 || field == 3 || field == 4)) {
        String s = w.string();
        if (field == 1) {
          inputs.add(s);
        } else if (field == 3) {
          name = s;
        } else {
          op = s;
        }
      } else {
        w.skip(tag);
      }
    }
    if ("MatMul".equals(op) && name != null) {
      List<String> weights = new ArrayList<>();
      for (String in : inputs) {
        if (out.tensors.containsKey(in)) {
          weights.add(in);
        }
      }
      out.matMulWeights.put(name, weights);
    }
  }

  private static Tensor readTensor(Wire w) {
    List<Long> dims = new ArrayList<>();
    int dataType = 0;
    String name = null;
    float[] values = null;
    List<Float> floatData = new ArrayList<>();
    while (w.more()) {
      int tag = w.tag();
      int field = tag >>> 3;
      int type = tag & 7;
      if (field == 1 && type == 0) {
        dims.add(w.varint());
      } else if (field == 1 && type == 2) {
        int end = w.lengthDelimitedEnd();
        while (w.pos < end) {
          dims.add(w.varint());
        }
      } else if (field == 2 && type == 0) {
        dataType = (int) w.varint();
      } else if (field == 8 && type == 2) {
        name = w.string();
      } else if (field == 9 && type == 2) {
        int end = w.lengthDelimitedEnd();
        ByteBuffer bb = ByteBuffer.wrap(w.buf, w.pos, end - w.pos).order(ByteOrder.LITTLE_ENDIAN);
        values = new float[(end - w.pos) / 4];
        bb.asFloatBuffer().get(values);
        w.pos = end;
      } else if (field == 4 && type == 2) {
        int end = w.lengthDelimitedEnd();
        ByteBuffer bb = ByteBuffer.wrap(w.buf, w.pos, end - w.pos).order(ByteOrder.LITTLE_ENDIAN);
        while (bb.remaining() >= 4) {
          floatData.add(bb.getFloat());
        }
        w.pos = end;
      } else {
        w.skip(tag);
      }
    }
    if (dataType != 1 || name == null) {
      return null;
    }
    if (values == null) {
      values = new float[floatData.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = floatData.get(i);
      }
    }
    long[] d = dims.stream().mapToLong(Long::longValue).toArray();
    long count = 1;
    for (long x : d) {
      count *= x;
    }
    if (count != values.length) {
      throw new IllegalArgumentException("ONNX initializer " + name + " has " + values.length
          + " values for dims " + dims);
    }
    return new Tensor(name, d, values);
  }

  /** A cursor over protobuf wire-format bytes. */
  private static final class Wire {
    final byte[] buf;
    int pos;
    final int end;

    Wire(byte[] buf, int start, int end) {
      this.buf = buf;
      this.pos = start;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    int tag() {
      return (int) varint();
    }

    long varint() {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = buf[pos++];
        result |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return result;
        }
      }
      throw new IllegalArgumentException("malformed varint in ONNX file");
    }

    int lengthDelimitedEnd() {
      long len = varint();
      if (len < 0 || pos + len > end) {
        throw new IllegalArgumentException("truncated ONNX file");
      }
      return (int) (pos + len);
    }

    String string() {
      int e = lengthDelimitedEnd();
      String s = new String(buf, pos, e - pos, java.nio.charset.StandardCharsets.UTF_8);
      pos = e;
      return s;
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> pos = lengthDelimitedEnd();
        case 5 -> pos += 4;
        default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7));
      }
    }
  }
}
