#!/usr/bin/env python3
"""The public API of a crate as a sorted text listing, one item per line, from rustdoc's JSON.

    python3 scripts/api_listing.py target/doc/nn_runtime.json > api/nn-runtime.txt

Each item is named by the shortest public path a user can write (the private module it is
defined in does not show, so moving code between private files changes nothing); other
public paths to it are listed as `pub use` lines. Types inside signatures use the same
names. Impls of unstable auto and marker traits (which vary with the toolchain) and blanket impls
(which every type gets) are left out; items hidden from the docs are not in the JSON.

Only the standard library: CI runs it without a virtual environment.
"""

import json
import sys

STABLE_AUTO_TRAITS = {"Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe"}
# Unstable marker traits that derives implement; whether rustdoc shows them varies with the
# toolchain, and no user can name them.
UNSTABLE_MARKERS = {"StructuralPartialEq", "StructuralEq"}


class Listing:
    def __init__(self, doc):
        self.doc = doc
        self.index = doc["index"]
        self.paths = doc["paths"]
        self.lines = []  # (owning item's path, line)
        self.owner = ""
        self.reached = {}  # id -> set of public paths (tuples)
        self.external_uses = []

    # ---- which items are public, and under which paths ----------------------------------

    def item(self, item_id):
        return self.index.get(str(item_id))

    def walk(self, module_id, prefix, seen):
        key = (module_id, tuple(prefix))
        if key in seen:
            return
        seen.add(key)
        module = self.item(module_id)["inner"]["module"]
        for child_id in module["items"]:
            child = self.item(child_id)
            if child is None or child["visibility"] != "public":
                continue
            kind, inner = next(iter(child["inner"].items()))
            if kind == "use":
                self.walk_use(inner, prefix, seen)
            else:
                path = prefix + [child["name"]]
                self.reach(child_id, path)
                if kind == "module":
                    self.walk(child_id, path, seen)

    def walk_use(self, use, prefix, seen):
        target = self.item(use["id"]) if use["id"] is not None else None
        if use["is_glob"]:
            if target is not None and "module" in target["inner"]:
                self.walk(use["id"], prefix, seen)
            else:
                self.external_uses.append(f"pub use {'::'.join(prefix)}::* = {use['source']}::*")
            return
        path = prefix + [use["name"]]
        if target is None:
            self.external_uses.append(
                f"pub use {'::'.join(path)} = {self.external_path(use['id'], use['source'])}"
            )
            return
        self.reach(use["id"], path)
        if "module" in target["inner"]:
            self.walk(use["id"], path, seen)

    def reach(self, item_id, path):
        self.reached.setdefault(item_id, set()).add(tuple(path))

    def canonical(self, item_id):
        paths = self.reached.get(item_id)
        if not paths:
            return None
        return "::".join(min(paths, key=lambda p: (len(p), p)))

    def external_path(self, item_id, written):
        entry = self.paths.get(str(item_id)) if item_id is not None else None
        return "::".join(entry["path"]) if entry else written

    # ---- rendering types and signatures -------------------------------------------------

    def path_of(self, resolved):
        item_id = resolved.get("id")
        local = self.canonical(item_id) if item_id is not None else None
        if local is not None:
            return local
        return self.external_path(item_id, resolved["path"])

    def ty(self, t):
        kind, v = next(iter(t.items()))
        if kind == "resolved_path":
            return self.path_of(v) + self.generic_args(v.get("args"))
        if kind == "generic":
            return v
        if kind == "primitive":
            return v
        if kind == "tuple":
            inner = ", ".join(self.ty(x) for x in v)
            return f"({inner},)" if len(v) == 1 else f"({inner})"
        if kind == "slice":
            return f"[{self.ty(v)}]"
        if kind == "array":
            return f"[{self.ty(v['type'])}; {v['len']}]"
        if kind == "borrowed_ref":
            lifetime = f"{v['lifetime']} " if v["lifetime"] else ""
            mutable = "mut " if v["is_mutable"] else ""
            return f"&{lifetime}{mutable}{self.ty(v['type'])}"
        if kind == "raw_pointer":
            return f"*{'mut' if v['is_mutable'] else 'const'} {self.ty(v['type'])}"
        if kind == "impl_trait":
            return "impl " + self.bounds(v)
        if kind == "dyn_trait":
            parts = [self.poly_trait(p) for p in v["traits"]]
            if v.get("lifetime"):
                parts.append(v["lifetime"])
            return "dyn " + " + ".join(parts)
        if kind == "qualified_path":
            trait = v.get("trait")
            self_ty = self.ty(v["self_type"])
            base = f"<{self_ty} as {self.path_of(trait)}{self.generic_args(trait.get('args'))}>" if trait else self_ty
            return f"{base}::{v['name']}{self.generic_args(v.get('args'))}"
        if kind == "function_pointer":
            sig = v["sig"]
            inputs = ", ".join(self.ty(t) for _, t in sig["inputs"])
            output = f" -> {self.ty(sig['output'])}" if sig["output"] else ""
            return f"fn({inputs}){output}"
        if kind == "infer":
            return "_"
        if kind == "pat":
            return self.ty(v["type"])
        return f"<{kind}>"

    def generic_args(self, args):
        if not args:
            return ""
        if "parenthesized" in args:
            p = args["parenthesized"]
            output = f" -> {self.ty(p['output'])}" if p["output"] else ""
            return "(" + ", ".join(self.ty(t) for t in p["inputs"]) + ")" + output
        if "return_type_notation" in args:
            return "(..)"
        a = args["angle_bracketed"]
        parts = [self.generic_arg(x) for x in a["args"]]
        parts += [self.constraint(c) for c in a["constraints"]]
        return f"<{', '.join(parts)}>" if parts else ""

    def generic_arg(self, arg):
        kind, v = next(iter(arg.items())) if isinstance(arg, dict) else (arg, None)
        if kind == "type":
            return self.ty(v)
        if kind == "lifetime":
            return v
        if kind == "const":
            return v.get("expr", "_")
        return "_"

    def constraint(self, c):
        name = c["name"] + self.generic_args(c.get("args"))
        binding = c["binding"]
        if "equality" in binding:
            term = binding["equality"]
            value = self.ty(term["type"]) if "type" in term else term["constant"].get("expr", "_")
            return f"{name} = {value}"
        return f"{name}: {self.bounds(binding['constraint'])}"

    def poly_trait(self, p):
        hrtb = self.for_lifetimes(p.get("generic_params", []))
        return hrtb + self.path_of(p["trait"]) + self.generic_args(p["trait"].get("args"))

    def for_lifetimes(self, params):
        names = [p["name"] for p in params]
        return f"for<{', '.join(names)}> " if names else ""

    def bounds(self, bounds):
        out = []
        for b in bounds:
            kind, v = next(iter(b.items())) if isinstance(b, dict) else (b, None)
            if kind == "trait_bound":
                modifier = {"none": "", "maybe": "?", "maybe_const": "~const "}.get(v["modifier"], "")
                hrtb = self.for_lifetimes(v.get("generic_params", []))
                trait = v["trait"]
                out.append(modifier + hrtb + self.path_of(trait) + self.generic_args(trait.get("args")))
            elif kind == "outlives":
                out.append(v)
            elif kind == "use":
                out.append("use<..>")
        return " + ".join(out)

    def generics(self, generics):
        params = []
        for p in generics["params"]:
            kind, v = next(iter(p["kind"].items()))
            if kind == "lifetime":
                outlives = f": {' + '.join(v['outlives'])}" if v["outlives"] else ""
                params.append(p["name"] + outlives)
            elif kind == "type":
                if v.get("is_synthetic"):
                    continue  # `impl Trait` arguments, shown in place
                bounds = f": {self.bounds(v['bounds'])}" if v["bounds"] else ""
                default = f" = {self.ty(v['default'])}" if v.get("default") else ""
                params.append(p["name"] + bounds + default)
            elif kind == "const":
                default = f" = {v['default']}" if v.get("default") else ""
                params.append(f"const {p['name']}: {self.ty(v['type'])}{default}")
        return f"<{', '.join(params)}>" if params else ""

    def where_clause(self, generics):
        preds = []
        for w in generics["where_predicates"]:
            kind, v = next(iter(w.items()))
            if kind == "bound_predicate":
                hrtb = self.for_lifetimes(v.get("generic_params", []))
                preds.append(f"{hrtb}{self.ty(v['type'])}: {self.bounds(v['bounds'])}")
            elif kind == "lifetime_predicate":
                preds.append(f"{v['lifetime']}: {' + '.join(v['outlives'])}")
            elif kind == "eq_predicate":
                rhs = v["rhs"]
                value = self.ty(rhs["type"]) if "type" in rhs else rhs["constant"].get("expr", "_")
                preds.append(f"{self.ty(v['lhs'])} = {value}")
        return f" where {', '.join(preds)}" if preds else ""

    def function(self, name, f):
        header = f["header"]
        quals = "".join(
            q
            for q, on in [
                ("const ", header["is_const"]),
                ("async ", header["is_async"]),
                ("unsafe ", header["is_unsafe"]),
            ]
            if on
        )
        abi = header["abi"]
        if abi != "Rust":
            abi_name = abi if isinstance(abi, str) else next(iter(abi))
            quals += f'extern "{abi_name}" '
        sig = f["sig"]
        inputs = []
        for arg_name, t in sig["inputs"]:
            if arg_name == "self":
                rendered = self.ty(t)
                inputs.append({"Self": "self", "&Self": "&self", "&mut Self": "&mut self"}.get(rendered, f"self: {rendered}"))
            else:
                inputs.append(f"{arg_name}: {self.ty(t)}")
        output = f" -> {self.ty(sig['output'])}" if sig["output"] else ""
        generics = f["generics"]
        return f"{quals}fn {name}{self.generics(generics)}({', '.join(inputs)}){output}{self.where_clause(generics)}"

    # ---- the listing ----------------------------------------------------------------------

    def attrs(self, item):
        marks = []
        for a in item.get("attrs", []):
            text = a if isinstance(a, str) else json.dumps(a)
            if "non_exhaustive" in text:
                marks.append("#[non_exhaustive] ")
        if item.get("deprecation"):
            marks.append("#[deprecated] ")
        return "".join(sorted(set(marks)))

    def emit(self, line):
        self.lines.append((self.owner, line))

    def describe(self, item_id, path):
        self.owner = path
        item = self.item(item_id)
        kind, v = next(iter(item["inner"].items()))
        mark = self.attrs(item)
        if kind == "module":
            self.emit(f"pub mod {path}")
        elif kind == "struct":
            self.emit(f"{mark}pub struct {path}{self.generics(v['generics'])}{self.where_clause(v['generics'])}")
            shape, fields = next(iter(v["kind"].items())) if isinstance(v["kind"], dict) else (v["kind"], None)
            if shape == "plain":
                for field_id in fields["fields"]:
                    self.field(f"{path}::", field_id)
            elif shape == "tuple":
                for position, field_id in enumerate(fields):
                    if field_id is not None:
                        self.emit(f"pub {path}.{position}: {self.ty(self.item(field_id)['inner']['struct_field'])}")
            self.impls(path, v["impls"])
        elif kind == "enum":
            self.emit(f"{mark}pub enum {path}{self.generics(v['generics'])}{self.where_clause(v['generics'])}")
            for variant_id in v["variants"]:
                self.variant(path, variant_id)
            self.impls(path, v["impls"])
        elif kind == "union":
            self.emit(f"pub union {path}{self.generics(v['generics'])}")
            for field_id in v["fields"]:
                self.field(f"{path}::", field_id)
            self.impls(path, v["impls"])
        elif kind == "function":
            self.emit(f"{mark}pub {self.function(path, v)}")
        elif kind == "trait":
            unsafe = "unsafe " if v["is_unsafe"] else ""
            supers = f": {self.bounds(v['bounds'])}" if v["bounds"] else ""
            self.emit(f"pub {unsafe}trait {path}{self.generics(v['generics'])}{supers}{self.where_clause(v['generics'])}")
            for member_id in v["items"]:
                self.trait_member(path, member_id)
        elif kind == "constant":
            self.emit(f"pub const {path}: {self.ty(v['type'])}")
        elif kind == "static":
            mutable = "mut " if v.get("is_mutable") else ""
            self.emit(f"pub static {mutable}{path}: {self.ty(v['type'])}")
        elif kind == "type_alias":
            self.emit(f"pub type {path}{self.generics(v['generics'])} = {self.ty(v['type'])}")
        elif kind == "macro":
            self.emit(f"pub macro {path}!")
        elif kind == "proc_macro":
            self.emit(f"pub proc_macro {path}! ({v['kind']})")
        elif kind == "trait_alias":
            self.emit(f"pub trait {path} = {self.bounds(v['params'])}")
        else:
            self.emit(f"pub {kind} {path}")

    def field(self, prefix, field_id):
        field = self.item(field_id)
        if field["visibility"] == "public":
            self.emit(f"pub {prefix}{field['name']}: {self.ty(field['inner']['struct_field'])}")

    def variant(self, enum_path, variant_id):
        variant = self.item(variant_id)
        v = variant["inner"]["variant"]
        mark = self.attrs(variant)
        name = f"{enum_path}::{variant['name']}"
        shape, fields = next(iter(v["kind"].items())) if isinstance(v["kind"], dict) else (v["kind"], None)
        if shape == "tuple":
            types = [self.ty(self.item(f)["inner"]["struct_field"]) if f is not None else "_" for f in fields]
            self.emit(f"{mark}pub {name}({', '.join(types)})")
        elif shape == "struct":
            parts = [
                f"{self.item(f)['name']}: {self.ty(self.item(f)['inner']['struct_field'])}"
                for f in fields["fields"]
            ]
            rest = ", .." if fields.get("has_stripped_fields") else ""
            self.emit(f"{mark}pub {name} {{ {', '.join(parts)}{rest} }}")
        else:
            discriminant = f" = {v['discriminant']['expr']}" if v.get("discriminant") else ""
            self.emit(f"{mark}pub {name}{discriminant}")

    def trait_member(self, trait_path, member_id):
        member = self.item(member_id)
        kind, v = next(iter(member["inner"].items()))
        name = f"{trait_path}::{member['name']}"
        if kind == "function":
            provided = " {}" if v["has_body"] else ""
            self.emit(f"{self.function(name, v)}{provided}")
        elif kind == "assoc_const":
            default = " (provided)" if v.get("value") is not None else ""
            self.emit(f"const {name}: {self.ty(v['type'])}{default}")
        elif kind == "assoc_type":
            bounds = f": {self.bounds(v['bounds'])}" if v["bounds"] else ""
            self.emit(f"type {name}{self.generics(v['generics'])}{bounds}")

    def impls(self, type_path, impl_ids):
        for impl_id in impl_ids:
            impl = self.item(impl_id)["inner"]["impl"]
            if impl["blanket_impl"] is not None:
                continue
            trait = impl["trait"]
            generics = self.generics(impl["generics"])
            where = self.where_clause(impl["generics"])
            for_type = self.ty(impl["for"])
            if trait is None:
                for member_id in impl["items"]:
                    self.inherent_member(type_path, generics, where, member_id)
                continue
            trait_name = trait["path"].split("::")[-1]
            if impl["is_synthetic"] and trait_name not in STABLE_AUTO_TRAITS:
                continue
            if trait_name in UNSTABLE_MARKERS:
                continue
            negative = "!" if impl["is_negative"] else ""
            unsafe = "unsafe " if impl["is_unsafe"] else ""
            trait_name = self.path_of(trait) + self.generic_args(trait.get("args"))
            self.emit(f"{unsafe}impl{generics} {negative}{trait_name} for {for_type}{where}")

    def inherent_member(self, type_path, generics, where, member_id):
        member = self.item(member_id)
        if member["visibility"] != "public":
            return
        kind, v = next(iter(member["inner"].items()))
        on = f"impl{generics} {type_path}{where}: " if generics or where else ""
        name = f"{type_path}::{member['name']}"
        if kind == "function":
            self.emit(f"{on}{self.attrs(member)}pub {self.function(name, v)}")
        elif kind == "assoc_const":
            self.emit(f"{on}pub const {name}: {self.ty(v['type'])}")
        elif kind == "assoc_type":
            self.emit(f"{on}pub type {name}")

    def run(self):
        root = self.doc["root"]
        crate = self.item(root)["name"]
        self.walk(root, [crate], set())
        for item_id, paths in self.reached.items():
            path = self.canonical(item_id)
            self.describe(item_id, path)
            for other in paths:
                alias = "::".join(other)
                if alias != path:
                    self.lines.append((alias, f"pub use {alias} = {path}"))
        self.lines.extend((line.split(" = ")[0][len("pub use "):], line) for line in self.external_uses)
        # Grouped by the item a line belongs to (a type with its fields, methods and impls).
        return [line for _, line in sorted(set(self.lines))]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: api_listing.py target/doc/CRATE.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    for line in Listing(doc).run():
        print(line)


if __name__ == "__main__":
    main()
