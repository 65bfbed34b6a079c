package io.omniembed.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the weights of an ONNX model straight from the protobuf wire format: its float
 * initializers, its nodes (name, op, inputs, outputs), and the numbers its {@code Constant} nodes
 * hold. SameDiff's ONNX import fails on MiniLM and would pull in hundreds of MB; the few fields
 * needed here take a page of code.
 *
 * <p>A PyTorch export names most weights after their parameter ({@code
 * embeddings.word_embeddings.weight}) but gives the Linear weights, transposed to [in, out],
 * generated names ({@code onnx::MatMul_787}); {@link #matMulWeight} finds those through the MatMul
 * node that consumes them ({@code /encoder/layer.0/attention/self/query/MatMul}).
 *
 * <p>Fields read (onnx.proto3): ModelProto.graph = 7; GraphProto.node = 1, initializer = 5;
 * NodeProto.input = 1, output = 2, name = 3, op_type = 4, attribute = 5; AttributeProto.name = 1,
 * t = 5; TensorProto.dims = 1, data_type = 2, float_data = 4, int64_data = 7, name = 8,
 * raw_data = 9, data_location = 14. Float (data_type 1) initializers are kept as weights; Constant
 * values of type FLOAT or INT64 as numbers. A file that does not parse as a model fails with an
 * IOException naming it.
 */
public final class OnnxInitializers {

  /** A node of the graph. */
  public record Node(String name, String op, List<String> inputs, List<String> outputs) {}

  private static final int FLOAT = 1;
  private static final int INT64 = 7;
  private static final int EXTERNAL = 1;

  private final String origin;
  private final Map<String, FloatTensor> tensors = new HashMap<>();
  /** Initializers that are not float32: name → data type, for messages. */
  private final Map<String, Integer> otherTypes = new HashMap<>();
  private final List<Node> nodes = new ArrayList<>();
  private final Map<String, Node> nodesByName = new HashMap<>();
  /** Output name of a Constant node → its values. */
  private final Map<String, double[]> constants = new HashMap<>();

  private OnnxInitializers(String origin) {
    this.origin = origin;
  }

  /** Reads a model from {@code in}. */
  public static OnnxInitializers read(InputStream in) throws IOException {
    return read(in.readAllBytes(), "ONNX model");
  }

  /** Reads a model from its bytes; {@code origin} names the file in errors. */
  public static OnnxInitializers read(byte[] model, String origin) throws IOException {
    OnnxInitializers out = new OnnxInitializers(origin);
    try {
      out.parse(model);
    } catch (RuntimeException e) {
      throw new IOException(origin + ": not an ONNX model (" + e.getMessage() + ")", e);
    }
    if (out.tensors.isEmpty()) {
      throw new IOException(origin + ": not an ONNX model with weights (no float initializers)");
    }
    return out;
  }

  private void parse(byte[] model) throws IOException {
    Wire m = new Wire(model, 0, model.length);
    int graphStart = -1;
    int graphEnd = -1;
    while (m.more()) {
      int tag = m.tag();
      if (tag >>> 3 == 7 && (tag & 7) == 2) {
        graphEnd = m.lengthDelimitedEnd();
        graphStart = m.pos;
        m.pos = graphEnd;
      } else {
        m.skip(tag);
      }
    }
    if (graphStart < 0) {
      throw new IOException(origin + ": not an ONNX model (no graph)");
    }
    List<int[]> nodeRanges = new ArrayList<>();
    Wire g = new Wire(model, graphStart, graphEnd);
    while (g.more()) {
      int tag = g.tag();
      int field = tag >>> 3;
      if ((tag & 7) == 2 && (field == 1 || field == 5)) {
        int end = g.lengthDelimitedEnd();
        if (field == 5) {
          initializer(readTensor(new Wire(model, g.pos, end)));
        } else {
          nodeRanges.add(new int[] {g.pos, end});
        }
        g.pos = end;
      } else {
        g.skip(tag);
      }
    }
    for (int[] r : nodeRanges) {
      readNode(new Wire(model, r[0], r[1]));
    }
  }

  private void initializer(Raw t) throws IOException {
    if (t.name == null) {
      return;
    }
    if (t.external) {
      throw new IOException(origin + ": initializer " + t.name + " is stored in an external"
          + " data file; only self-contained ONNX files are read");
    }
    if (t.dataType != FLOAT) {
      otherTypes.put(t.name, t.dataType);
      return;
    }
    tensors.put(t.name, new FloatTensor(t.name, t.dims, t.floats()));
  }

  /** Whether the model has a float initializer {@code name}. */
  public boolean has(String name) {
    return tensors.containsKey(name);
  }

  public FloatTensor tensor(String name) {
    FloatTensor t = tensors.get(name);
    if (t == null) {
      Integer type = otherTypes.get(name);
      throw new IllegalArgumentException(origin + (type != null
          ? ": initializer " + name + " has data type " + type + "; only FLOAT (1) weights are read"
          : " has no float initializer named " + name));
    }
    return t;
  }

  /** The weight initializer consumed by the MatMul node {@code nodeName}, as [in, out]. */
  public FloatTensor matMulWeight(String nodeName) {
    Node node = nodesByName.get(nodeName);
    List<String> weights = new ArrayList<>();
    if (node != null && node.op().equals("MatMul")) {
      for (String in : node.inputs()) {
        if (tensors.containsKey(in)) {
          weights.add(in);
        }
      }
    }
    if (weights.size() != 1) {
      throw new IllegalArgumentException(origin + " has no MatMul node " + nodeName
          + " with exactly one weight input (an ONNX file optimised by fusing layers is not"
          + " read; export the model without optimisation)");
    }
    return tensor(weights.get(0));
  }

  /** Every node, in graph order. */
  public List<Node> nodes() {
    return nodes;
  }

  /** The node named {@code name}, or null. */
  public Node node(String name) {
    return nodesByName.get(name);
  }

  /** The values of the Constant node whose output is {@code output}, or null. */
  public double[] constant(String output) {
    double[] c = constants.get(output);
    return c == null ? null : c.clone();
  }

  private void readNode(Wire w) {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    List<int[]> attributes = new ArrayList<>();
    String name = null;
    String op = null;
    while (w.more()) {
      int tag = w.tag();
      int field = tag >>> 3;
      if ((tag & 7) == 2 && field >= 1 && field <= 4) {
        String s = w.string();
        switch (field) {
          case 1 -> inputs.add(s);
          case 2 -> outputs.add(s);
          case 3 -> name = s;
          default -> op = s;
        }
      } else if ((tag & 7) == 2 && field == 5) {
        int end = w.lengthDelimitedEnd();
        attributes.add(new int[] {w.pos, end});
        w.pos = end;
      } else {
        w.skip(tag);
      }
    }
    Node node = new Node(name == null ? "" : name, op == null ? "" : op, List.copyOf(inputs),
        List.copyOf(outputs));
    nodes.add(node);
    if (name != null) {
      nodesByName.put(name, node);
    }
    if ("Constant".equals(op) && outputs.size() == 1) {
      for (int[] a : attributes) {
        Raw value = constantValue(new Wire(w.buf, a[0], a[1]));
        if (value != null && (value.dataType == FLOAT || value.dataType == INT64)) {
          constants.put(outputs.get(0), value.numbers());
        }
      }
    }
  }

  /** The tensor of a Constant's {@code value} attribute, or null for any other attribute. */
  private static Raw constantValue(Wire w) {
    String name = null;
    Raw t = null;
    while (w.more()) {
      int tag = w.tag();
      int field = tag >>> 3;
      if (field == 1 && (tag & 7) == 2) {
        name = w.string();
      } else if (field == 5 && (tag & 7) == 2) {
        int end = w.lengthDelimitedEnd();
        t = readTensor(new Wire(w.buf, w.pos, end));
        w.pos = end;
      } else {
        w.skip(tag);
      }
    }
    return "value".equals(name) ? t : null;
  }

  /** A TensorProto as read: dims, type, name and whichever data fields it had. */
  private static final class Raw {
    final List<Long> dimList = new ArrayList<>();
    long[] dims;
    int dataType;
    String name;
    byte[] buf;
    int rawStart = -1;
    int rawEnd = -1;
    final List<Float> floatData = new ArrayList<>();
    final List<Long> int64Data = new ArrayList<>();
    boolean external;

    float[] floats() {
      if (rawStart >= 0) {
        float[] v = new float[(rawEnd - rawStart) / 4];
        ByteBuffer.wrap(buf, rawStart, rawEnd - rawStart).order(ByteOrder.LITTLE_ENDIAN)
            .asFloatBuffer().get(v);
        return v;
      }
      float[] v = new float[floatData.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = floatData.get(i);
      }
      return v;
    }

    double[] numbers() {
      if (dataType == FLOAT) {
        float[] f = floats();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
          d[i] = f[i];
        }
        return d;
      }
      if (rawStart >= 0) {
        ByteBuffer bb = ByteBuffer.wrap(buf, rawStart, rawEnd - rawStart)
            .order(ByteOrder.LITTLE_ENDIAN);
        double[] d = new double[(rawEnd - rawStart) / 8];
        for (int i = 0; i < d.length; i++) {
          d[i] = bb.getLong();
        }
        return d;
      }
      return int64Data.stream().mapToDouble(Long::doubleValue).toArray();
    }
  }

  private static Raw readTensor(Wire w) {
    Raw t = new Raw();
    t.buf = w.buf;
    while (w.more()) {
      int tag = w.tag();
      int field = tag >>> 3;
      int type = tag & 7;
      if (field == 1 && type == 0) {
        t.dimList.add(w.varint());
      } else if (field == 1 && type == 2) {
        int end = w.lengthDelimitedEnd();
        while (w.pos < end) {
          t.dimList.add(w.varint());
        }
      } else if (field == 2 && type == 0) {
        t.dataType = (int) w.varint();
      } else if (field == 8 && type == 2) {
        t.name = w.string();
      } else if (field == 9 && type == 2) {
        t.rawEnd = w.lengthDelimitedEnd();
        t.rawStart = w.pos;
        w.pos = t.rawEnd;
      } else if (field == 4 && type == 2) {
        int end = w.lengthDelimitedEnd();
        ByteBuffer bb = ByteBuffer.wrap(w.buf, w.pos, end - w.pos).order(ByteOrder.LITTLE_ENDIAN);
        while (bb.remaining() >= 4) {
          t.floatData.add(bb.getFloat());
        }
        w.pos = end;
      } else if (field == 7 && type == 2) {
        int end = w.lengthDelimitedEnd();
        while (w.pos < end) {
          t.int64Data.add(w.varint());
        }
      } else if (field == 7 && type == 0) {
        t.int64Data.add(w.varint());
      } else if (field == 14 && type == 0) {
        t.external = w.varint() == EXTERNAL;
      } else {
        w.skip(tag);
      }
    }
    t.dims = t.dimList.stream().mapToLong(Long::longValue).toArray();
    if (t.rawStart >= 0 && t.dataType == FLOAT && (t.rawEnd - t.rawStart) % 4 != 0) {
      throw new IllegalArgumentException("initializer " + t.name + " has " + (t.rawEnd
          - t.rawStart) + " raw bytes for dims " + Arrays.toString(t.dims));
    }
    return t;
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
      long tag = varint();
      if (tag >>> 3 == 0 || tag >>> 3 > Integer.MAX_VALUE >>> 3) {
        throw new IllegalArgumentException("field number " + (tag >>> 3) + " is not valid");
      }
      return (int) tag;
    }

    long varint() {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new IllegalArgumentException("truncated varint");
        }
        byte b = buf[pos++];
        result |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return result;
        }
      }
      throw new IllegalArgumentException("malformed varint");
    }

    int lengthDelimitedEnd() {
      long len = varint();
      if (len < 0 || pos + len > end) {
        throw new IllegalArgumentException("a field runs past the end of its message");
      }
      return (int) (pos + len);
    }

    String string() {
      int e = lengthDelimitedEnd();
      String s = new String(buf, pos, e - pos, StandardCharsets.UTF_8);
      pos = e;
      return s;
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> pos = lengthDelimitedEnd();
        case 5 -> pos += 4;
        default -> throw new IllegalArgumentException("wire type " + (tag & 7)
            + " does not occur in ONNX files");
      }
      if (pos > end) {
        throw new IllegalArgumentException("a field runs past the end of its message");
      }
    }
  }
}
