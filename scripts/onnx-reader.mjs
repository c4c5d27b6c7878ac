// A minimal reader of ONNX model files (protobuf wire format): the graph's nodes, their attributes and
// the initializers (weights), enough to convert a small convolutional network. No dependency: the ONNX
// schema fields used are few and stable (onnx/onnx.proto: ModelProto.graph = 7; GraphProto.node = 1,
// initializer = 5, input = 11, output = 12; NodeProto input = 1, output = 2, name = 3, op_type = 4,
// attribute = 5; AttributeProto name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, type = 20;
// TensorProto dims = 1, data_type = 2, float_data = 4, int64_data = 7, name = 8, raw_data = 9).

/** Splits one protobuf message into [fieldNumber, wireType, value] entries. */
function* fields(buf) {
  let pos = 0;
  const varint = () => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield [field, wire, varint()];
    else if (wire === 1) {
      yield [field, wire, buf.subarray(pos, pos + 8)];
      pos += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      yield [field, wire, buf.subarray(pos, pos + len)];
      pos += len;
    } else if (wire === 5) {
      yield [field, wire, buf.subarray(pos, pos + 4)];
      pos += 4;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

function packedVarints(bytes) {
  const out = [];
  let pos = 0;
  while (pos < bytes.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7n;
    }
    out.push(BigInt.asIntN(64, result));
  }
  return out;
}

const text = (b) => Buffer.from(b).toString('utf8');
const FLOAT = 1;
const INT64 = 7;

function readTensor(buf) {
  const t = { name: '', dims: [], dataType: 0, raw: null, floats: [], int64s: [] };
  for (const [f, w, v] of fields(buf)) {
    if (f === 1) t.dims.push(...(w === 2 ? packedVarints(v) : [BigInt.asIntN(64, v)]).map(Number));
    else if (f === 2) t.dataType = Number(v);
    else if (f === 4) {
      if (w === 2) for (let i = 0; i < v.length; i += 4) t.floats.push(Buffer.from(v).readFloatLE(i));
      else t.floats.push(Buffer.from(v).readFloatLE(0));
    } else if (f === 7) t.int64s.push(...(w === 2 ? packedVarints(v) : [BigInt.asIntN(64, v)]));
    else if (f === 8) t.name = text(v);
    else if (f === 9) t.raw = Buffer.from(v);
  }
  const count = t.dims.reduce((a, b) => a * b, 1);
  let values;
  if (t.dataType === FLOAT) {
    if (t.raw) {
      values = new Float32Array(count);
      for (let i = 0; i < count; i++) values[i] = t.raw.readFloatLE(i * 4);
    } else values = Float32Array.from(t.floats);
  } else if (t.dataType === INT64) {
    if (t.raw) values = Array.from({ length: count }, (_, i) => Number(t.raw.readBigInt64LE(i * 8)));
    else values = t.int64s.map(Number);
  } else values = null;
  return { name: t.name, dims: t.dims, dataType: t.dataType, values };
}

function readAttribute(buf) {
  const a = { name: '', f: null, i: null, s: null, t: null, floats: [], ints: [] };
  for (const [f, w, v] of fields(buf)) {
    if (f === 1) a.name = text(v);
    else if (f === 2) a.f = Buffer.from(v).readFloatLE(0);
    else if (f === 3) a.i = Number(BigInt.asIntN(64, v));
    else if (f === 4) a.s = text(v);
    else if (f === 5) a.t = readTensor(v);
    else if (f === 7) {
      if (w === 2) for (let i = 0; i < v.length; i += 4) a.floats.push(Buffer.from(v).readFloatLE(i));
      else a.floats.push(Buffer.from(v).readFloatLE(0));
    } else if (f === 8) a.ints.push(...(w === 2 ? packedVarints(v) : [BigInt.asIntN(64, v)]).map(Number));
  }
  return a;
}

function readNode(buf) {
  const n = { name: '', opType: '', inputs: [], outputs: [], attributes: {} };
  for (const [f, , v] of fields(buf)) {
    if (f === 1) n.inputs.push(text(v));
    else if (f === 2) n.outputs.push(text(v));
    else if (f === 3) n.name = text(v);
    else if (f === 4) n.opType = text(v);
    else if (f === 5) {
      const a = readAttribute(v);
      n.attributes[a.name] = a;
    }
  }
  return n;
}

function valueName(buf) {
  for (const [f, , v] of fields(buf)) if (f === 1) return text(v);
  return '';
}

/** { nodes, initializers: Map<name, {dims, values}>, inputs, outputs } of an ONNX file's bytes. */
export function readOnnx(bytes) {
  let graph = null;
  for (const [f, , v] of fields(bytes)) if (f === 7) graph = v;
  if (!graph) throw new Error('not an ONNX model: no graph');
  const nodes = [];
  const initializers = new Map();
  const inputs = [];
  const outputs = [];
  for (const [f, , v] of fields(graph)) {
    if (f === 1) nodes.push(readNode(v));
    else if (f === 5) {
      const t = readTensor(v);
      initializers.set(t.name, t);
    } else if (f === 11) inputs.push(valueName(v));
    else if (f === 12) outputs.push(valueName(v));
  }
  return { nodes, initializers, inputs, outputs };
}
