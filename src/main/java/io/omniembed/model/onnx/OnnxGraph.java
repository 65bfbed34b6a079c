package io.omniembed.model.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph under construction — nodes of the default domain (ai.onnx) in topological
 * order, initializers, typed inputs and outputs — serialised as a {@code ModelProto}. Every node
 * has one name, which is also the name of its (first) output, so a value reads as the node that
 * made it ({@code /blocks.0/attention/qkv/MatMul}).
 *
 * <p>Fields written (onnx.proto): ModelProto ir_version = 1, producer_name = 2,
 * producer_version = 3, graph = 7, opset_import = 8, metadata_props = 14; OperatorSetIdProto
 * domain = 1, version = 2; GraphProto node = 1, name = 2, initializer = 5, input = 11,
 * output = 12; NodeProto input = 1, output = 2, name = 3, op_type = 4, attribute = 5;
 * AttributeProto name = 1, f = 2, i = 3, ints = 8, type = 20; TensorProto dims = 1,
 * data_type = 2, name = 8, raw_data = 9 (little-endian); ValueInfoProto name = 1, type = 2;
 * TypeProto tensor_type = 1; TypeProto.Tensor elem_type = 1, shape = 2; TensorShapeProto dim = 1;
 * Dimension dim_value = 1, dim_param = 2; StringStringEntryProto key = 1, value = 2.
 */
public final class OnnxGraph {

  /** Tensor element types, with their TensorProto.DataType numbers. */
  public enum ElemType {
    FLOAT(1), UINT8(2), INT8(3), INT32(6), INT64(7), BOOL(9);

    final int code;

    ElemType(int code) {
      this.code = code;
    }
  }

  /** A node attribute: an int, a float or a list of ints. */
  public sealed interface Attr {
    String name();
  }

  record IntAttr(String name, long value) implements Attr {}

  record FloatAttr(String name, float value) implements Attr {}

  record IntsAttr(String name, long[] values) implements Attr {}

  public static Attr attr(String name, long value) {
    return new IntAttr(name, value);
  }

  public static Attr attr(String name, float value) {
    return new FloatAttr(name, value);
  }

  public static Attr ints(String name, long... values) {
    return new IntsAttr(name, values.clone());
  }

  private record Node(String name, String op, List<String> inputs, List<String> outputs,
      List<Attr> attrs) {}

  private record Tensor(String name, ElemType type, long[] dims, byte[] raw) {}

  /** A graph input or output: name, element type and dims (a Long, or a String for a symbol). */
  private record Value(String name, ElemType type, Object[] dims) {}

  private final String name;
  private final List<Node> nodes = new ArrayList<>();
  private final Map<String, Tensor> initializers = new LinkedHashMap<>();
  private final List<Value> inputs = new ArrayList<>();
  private final List<Value> outputs = new ArrayList<>();
  private final Set<String> values = new HashSet<>();
  private final long opset;

  public OnnxGraph(String name, long opset) {
    this.name = name;
    this.opset = opset;
  }

  /** A node with one output, named {@code name}; returns that name. */
  public String node(String name, String op, List<String> in, Attr... attrs) {
    return node(name, op, in, 1, attrs)[0];
  }

  /**
   * A node with {@code outputCount} outputs: the first named {@code name}, the others
   * {@code name:1}, {@code name:2}, ...
   */
  public String[] node(String name, String op, List<String> in, int outputCount,
      Attr... attrs) {
    for (String i : in) {
      if (!i.isEmpty() && !values.contains(i)) {
        throw new IllegalStateException("node " + name + " reads " + i + ", which nothing made");
      }
    }
    String[] out = new String[outputCount];
    for (int k = 0; k < outputCount; k++) {
      out[k] = k == 0 ? name : name + ":" + k;
      define(out[k]);
    }
    nodes.add(new Node(name, op, List.copyOf(in), List.of(out), List.of(attrs)));
    return out;
  }

  /** A float32 initializer. */
  public String floats(String name, float[] data, long... dims) {
    ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(data);
    return initializer(name, ElemType.FLOAT, dims, b.array(), data.length);
  }

  /** An int64 initializer. */
  public String int64s(String name, long[] data, long... dims) {
    ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(data);
    return initializer(name, ElemType.INT64, dims, b.array(), data.length);
  }

  /** A float32 scalar constant, made once per value. */
  public String scalar(float value) {
    String n = "const/" + value;
    return initializers.containsKey(n) ? n : floats(n, new float[] {value});
  }

  /** A uint8 initializer. */
  public String uint8s(String name, byte[] data, long... dims) {
    return initializer(name, ElemType.UINT8, dims, data.clone(), data.length);
  }

  /** A uint8 scalar constant (a zero point), made once per value. */
  public String uint8Scalar(byte value) {
    String n = "const/uint8/" + Byte.toUnsignedInt(value);
    return initializers.containsKey(n) ? n : uint8s(n, new byte[] {value});
  }

  /** An int64 vector constant (shapes, axes, indices), made once per value. */
  public String longs(long... value) {
    String n = "const/" + java.util.Arrays.toString(value).replace(" ", "");
    return initializers.containsKey(n) ? n : int64s(n, value, value.length);
  }

  /** An int64 scalar constant (a Gather index that drops its axis), made once per value. */
  public String index(long value) {
    String n = "const/index/" + value;
    return initializers.containsKey(n) ? n : int64s(n, new long[] {value});
  }

  public void input(String name, ElemType type, Object... dims) {
    define(name);
    inputs.add(new Value(name, type, dims.clone()));
  }

  public void output(String name, ElemType type, Object... dims) {
    if (!values.contains(name)) {
      throw new IllegalStateException("output " + name + " is not a value of the graph");
    }
    outputs.add(new Value(name, type, dims.clone()));
  }

  /** The nodes' operator types in order (tests, reports). */
  public List<String> ops() {
    return nodes.stream().map(Node::op).toList();
  }

  /** The serialised {@code ModelProto}. */
  public byte[] toModel(long irVersion, String producer, String producerVersion,
      Map<String, String> metadata) {
    ProtoWriter graph = new ProtoWriter();
    for (Node n : nodes) {
      graph.message(1, node(n));
    }
    graph.string(2, name);
    for (Tensor t : initializers.values()) {
      graph.message(5, tensor(t));
    }
    for (Value v : inputs) {
      graph.message(11, value(v));
    }
    for (Value v : outputs) {
      graph.message(12, value(v));
    }
    ProtoWriter model = new ProtoWriter()
        .varint(1, irVersion)
        .string(2, producer)
        .string(3, producerVersion);
    model.message(7, graph);
    model.message(8, new ProtoWriter().string(1, "").varint(2, opset));   // ai.onnx only
    for (Map.Entry<String, String> m : metadata.entrySet()) {
      model.message(14, new ProtoWriter().string(1, m.getKey()).string(2, m.getValue()));
    }
    return model.toByteArray();
  }

  private String initializer(String name, ElemType type, long[] dims, byte[] raw, long count) {
    long expected = 1;
    for (long d : dims) {
      expected *= d;
    }
    if (expected != count) {
      throw new IllegalArgumentException("initializer " + name + ": " + count + " values for dims "
          + java.util.Arrays.toString(dims));
    }
    define(name);
    initializers.put(name, new Tensor(name, type, dims.clone(), raw));
    return name;
  }

  private void define(String value) {
    if (!values.add(value)) {
      throw new IllegalStateException("the graph already has a value named " + value);
    }
  }

  private static ProtoWriter node(Node n) {
    ProtoWriter w = new ProtoWriter();
    for (String i : n.inputs()) {
      w.string(1, i);
    }
    for (String o : n.outputs()) {
      w.string(2, o);
    }
    w.string(3, n.name()).string(4, n.op());
    for (Attr a : n.attrs()) {
      w.message(5, attribute(a));
    }
    return w;
  }

  /** AttributeProto.AttributeType: FLOAT = 1, INT = 2, INTS = 7. */
  private static ProtoWriter attribute(Attr a) {
    ProtoWriter w = new ProtoWriter().string(1, a.name());
    if (a instanceof FloatAttr f) {
      w.float32(2, f.value()).varint(20, 1);
    } else if (a instanceof IntAttr i) {
      w.varint(3, i.value()).varint(20, 2);
    } else {
      for (long v : ((IntsAttr) a).values()) {
        w.varint(8, v);
      }
      w.varint(20, 7);
    }
    return w;
  }

  private static ProtoWriter tensor(Tensor t) {
    ProtoWriter w = new ProtoWriter();
    for (long d : t.dims()) {
      w.varint(1, d);
    }
    w.varint(2, t.type().code).string(8, t.name()).bytes(9, t.raw());
    return w;
  }

  private static ProtoWriter value(Value v) {
    ProtoWriter shape = new ProtoWriter();
    for (Object d : v.dims()) {
      ProtoWriter dim = new ProtoWriter();
      if (d instanceof String symbol) {
        dim.string(2, symbol);
      } else {
        dim.varint(1, ((Number) d).longValue());
      }
      shape.message(1, dim);
    }
    ProtoWriter tensorType = new ProtoWriter().varint(1, v.type().code);
    tensorType.message(2, shape);
    ProtoWriter type = new ProtoWriter();
    type.message(1, tensorType);
    ProtoWriter w = new ProtoWriter().string(1, v.name());
    w.message(2, type);
    return w;
  }
}
