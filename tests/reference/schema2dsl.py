#!/usr/bin/env python3
"""Drafts kwire DSL declarations (protocol/src/api/*.rs) from the message schemas that ship
inside Apache's kafka-clients jar (resources common/message/*.json).

Usage: schema2dsl.py SCHEMA_DIR MessageName [MessageName ...] > draft.rs

The output is a starting point for a hand-reviewed module: field names, wire types, version
ranges, nullability, tags and defaults come from the schema; the doc comments are generated
from field names and must be reviewed. The schemas themselves are not part of this repository.
"""
import json
import re
import sys

PRIMS = {
    "int8": "i8", "int16": "i16", "uint16": "u16", "int32": "i32", "uint32": "u32",
    "int64": "i64", "float64": "f64", "bool": "bool", "uuid": "Uuid",
}


def load(path):
    text = open(path).read()
    text = re.sub(r"^\s*//.*$", "", text, flags=re.M)
    return json.loads(text)


def snake(name):
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return s.lower()


def words(name):
    w = snake(name).replace("_", " ")
    w = re.sub(r"\bms\b", "in milliseconds", w)
    w = re.sub(r"\bid\b", "id", w)
    return w[0].upper() + w[1:]


def rust_type(f, structs, owner):
    t = f["type"]
    nullable = f.get("nullableVersions", "none") != "none"
    if t.startswith("[]"):
        inner = t[2:]
        if inner in PRIMS:
            rt = f"Vec<{PRIMS[inner]}>"
        elif inner == "string":
            rt = "Vec<String>"
        else:
            structs.append((inner, f.get("fields"), owner))
            rt = f"Vec<{inner}>"
        return f"Option<{rt}>" if nullable else rt
    if t in PRIMS:
        if f["name"] == "ErrorCode" or f["name"].endswith("ErrorCode"):
            return "ErrorCode"
        return PRIMS[t]
    if t == "string":
        return "Option<String>" if nullable else "String"
    if t in ("bytes", "records"):
        return "Option<Bytes>" if nullable or t == "records" else "Bytes"
    structs.append((t, f.get("fields"), owner))
    return f"Option<{t}>" if nullable else t


def default_of(f, rt):
    d = f.get("default")
    if d is None:
        return None
    # Schemas write defaults as strings ("-1", "true") or as JSON literals (-1, false).
    d = str(d).lower() if isinstance(d, bool) else str(d)
    if d == "null":
        return None
    if rt in ("bool",):
        return None if d == "false" else "true"
    if rt == "String":
        return None if d == "" else f'String::from("{d}")'
    if rt == "ErrorCode":
        return None if d in ("0",) else f"ErrorCode::from_code({d})"
    if rt in ("i8", "i16", "i32", "i64", "u16", "u32", "f64"):
        if d in ("0", "0.0"):
            return None
        if d.startswith("0x"):
            return f"{d}u64 as {rt}"
        return d
    return None


def field_line(f, structs, owner, flexible_all):
    rt = rust_type(f, structs, owner)
    opts = []
    v = f.get("versions", "0+")
    opts.append(f'versions = "{v}"')
    nv = f.get("nullableVersions")
    if nv and nv != "none" and f["type"] != "records" or (f["type"] == "records" and nv):
        opts.append(f'nullable = "{nv}"')
    if "tag" in f:
        opts.append(f"tag = {f['tag']}")
        tv = f.get("taggedVersions", v)
        if tv != v:
            opts.append(f'tagged = "{tv}"')
    if f.get("ignorable"):
        opts.append("ignorable = true")
    d = default_of(f, rt)
    dd = f" = {d}" if d else ""
    return f"        /// {words(f['name'])} ({f['type']}, v{v}).\n        pub {snake(f['name'])}: {rt} [{', '.join(opts)}]{dd},"


def api_const(message_name):
    """FindCoordinatorRequest -> FIND_COORDINATOR, the ApiKey constant."""
    return snake(re.sub(r"(Request|Response)$", "", message_name)).upper()


def emit(schema, common):
    out = []
    structs = []
    name = schema["name"]
    kind = "Request" if schema["type"] == "request" else "Response"
    lines = [field_line(f, structs, name, None) for f in schema["fields"]]
    out.append("kafka_message! {")
    out.append(f"    /// {name} (api key {schema['apiKey']}).")
    out.append(
        f"    pub struct {name}: {kind}(api_key = ApiKey::{api_const(name)}, "
        f"versions = \"{schema['validVersions']}\", flexible = \"{schema['flexibleVersions']}\") {{"
    )
    out.extend(lines)
    out.append("    }\n}\n")
    seen = set()
    while structs:
        sname, fields, owner = structs.pop(0)
        if sname in seen:
            continue
        seen.add(sname)
        if fields is None:
            fields = common.get(sname)
            if fields is None:
                raise SystemExit(f"unknown struct {sname}")
        lines = [field_line(f, structs, sname, None) for f in fields]
        out.append("kafka_struct! {")
        out.append(f"    /// {words(sname)} (in {owner}).")
        out.append(f"    pub struct {sname} {{")
        out.extend(lines)
        out.append("    }\n}\n")
    return "\n".join(out)


def main():
    d = sys.argv[1]
    for n in sys.argv[2:]:
        s = load(f"{d}/{n}.json")
        common = {c["name"]: c["fields"] for c in s.get("commonStructs", [])}
        print(emit(s, common))


if __name__ == "__main__":
    main()
