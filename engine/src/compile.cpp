// Checked AST -> compiled_set. See compile.hpp for the shape of the result.

#include "compile.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <unordered_set>
#include <variant>

#include "text.hpp"
#include "timestamp.hpp"
#include "vigil/json_text.hpp"
#include "vigil/sha256.hpp"

namespace vigil::eval {

namespace {

using ast::overloaded;

/// What compiling an expression produced.
struct compiled_expr {
    std::uint32_t node = none;
    std::uint32_t schema = none;  // the projection schema node this expression denotes, if any
    bool concrete = false;        // ... and that node is at a fixed record position
    std::uint32_t min_variable = none;  // smallest quantifier variable it depends on
};

std::uint32_t min_of(std::uint32_t a, std::uint32_t b) { return a < b ? a : b; }

class compiler {
public:
    compiler(compiled_set& set, const compile_options& options) : m_set(set), m_options(options) {
        schema_node root;
        root.concrete = true;
        m_set.schema.push_back(std::move(root));
    }

    void run() {
        m_set.id_slot = m_set.schema[field_of(0, "id")].position;
        m_set.conversation_id_slot = m_set.schema[field_of(0, "conversation_id")].position;
        // Projected, though no rule may read them, so that a record giving one twice is refused:
        // turn order and the policy versions in force go by them.
        field_of(0, "turn");
        field_of(0, "timestamp");
        for (const ast::module& mod : m_set.checked.modules) {
            for (const ast::policy& pol : mod.policies) compile_policy(pol);
        }
        carry_fields();
        constrain_read_values();
        m_set.meta_read = existing_field(0, "meta") != none;
        m_set.meta_schema = field_of(0, "meta");
        share_clauses();
        build_lookup_tables();
        plan_scans();
        for (const schema_node& s : m_set.schema) m_set.settled_kinds.push_back(s.allowed.settled);
    }

    std::vector<diagnostic> take_diagnostics() { return std::move(m_diagnostics); }

private:
    // ----- schema -----------------------------------------------------------------------------

    std::uint32_t field_of(std::uint32_t parent, const std::string& name) {
        if (const std::uint32_t found = existing_field(parent, name); found != none) return found;
        schema_node s;
        s.name = name;
        const schema_node& p = m_set.schema[parent];
        s.path = p.path.empty() ? name : p.path + "." + name;
        s.parent = parent;
        s.position = static_cast<std::uint32_t>(p.fields.size());
        s.concrete = p.concrete;
        auto id = static_cast<std::uint32_t>(m_set.schema.size());
        m_set.schema.push_back(std::move(s));
        m_set.schema[parent].fields.push_back(id);
        return id;
    }

    // The fields every decision carries: in the schema, so projected, whether a rule reads them or not.
    void carry_fields() {
        m_set.carried_fields = m_options.carried_fields;
        for (const std::string& path : m_options.carried_fields) {
            std::uint32_t s = 0;
            std::string_view rest = path;
            while (!rest.empty()) {
                const std::size_t dot = std::min(rest.find('.'), rest.size());
                s = field_of(s, std::string(rest.substr(0, dot)));
                rest.remove_prefix(std::min(dot + 1, rest.size()));
            }
            m_set.carried.push_back(s);
        }
    }

    // The child `name` of `parent` when the rules read it (or it was added), else none.
    std::uint32_t existing_field(std::uint32_t parent, const std::string& name) const {
        for (std::uint32_t child : m_set.schema[parent].fields) {
            if (m_set.schema[child].name == name) return child;
        }
        return none;
    }

    std::uint32_t element_of(std::uint32_t parent) {
        if (m_set.schema[parent].element_schema != none) return m_set.schema[parent].element_schema;
        schema_node s;
        s.name = "[]";
        s.path = m_set.schema[parent].path + "[]";
        s.parent = parent;
        s.element = true;
        s.concrete = false;
        auto id = static_cast<std::uint32_t>(m_set.schema.size());
        m_set.schema.push_back(std::move(s));
        m_set.schema[parent].element_schema = id;
        return id;
    }

    void build_lookup_tables() {
        for (schema_node& s : m_set.schema) {
            if (s.fields.empty()) continue;
            std::uint32_t size = 4;
            while (size < s.fields.size() * 2) size *= 2;
            s.table.assign(size, {});
            s.table_mask = size - 1;
            for (std::uint32_t pos = 0; pos < s.fields.size(); ++pos) {
                const std::string& name = m_set.schema[s.fields[pos]].name;
                std::uint32_t i = key_hash(name.data(), name.size()) & s.table_mask;
                while (s.table[i].position != none) i = (i + 1) & s.table_mask;
                s.table[i] = {name.data(), static_cast<std::uint32_t>(name.size()), pos};
            }
        }
    }

    // ----- nodes ------------------------------------------------------------------------------

    /// Adds a node, or returns the index of an identical one (same operation, same children, same
    /// operand list). `extra` is the node's operand list (path steps or list items), if it has one.
    std::uint32_t emit(node n, const std::vector<std::uint32_t>* extra = nullptr) {
        std::string key;
        key.reserve(32);
        auto put = [&key](const auto& x) {
            key.append(reinterpret_cast<const char*>(&x), sizeof x);
        };
        put(n.code);
        put(n.flags);
        if (extra == nullptr) put(n.a);
        put(n.b);
        put(n.c);
        put(n.d);
        if (extra != nullptr) {
            for (std::uint32_t x : *extra) put(x);
        }
        auto found = m_interned.find(key);
        if (found != m_interned.end()) {
            note_written_here(found->second, n.where);
            return found->second;
        }
        if (extra != nullptr) {
            n.a = static_cast<std::uint32_t>(m_set.operands.size());
            m_set.operands.insert(m_set.operands.end(), extra->begin(), extra->end());
        }
        auto index = static_cast<std::uint32_t>(m_set.nodes.size());
        m_set.nodes.push_back(n);
        m_interned.emplace(std::move(key), index);
        return index;
    }

    // A node met again in the rule being compiled keeps the place it was first written, maybe in
    // another rule: the rule remembers its own (the first, where it writes the node twice).
    void note_written_here(std::uint32_t node, span where) {
        if (m_rule == nullptr) return;
        const span first = m_set.nodes[node].where;
        const bool in_rule =
            first.file == m_rule_where.file && first.begin >= m_rule_where.begin && first.end <= m_rule_where.end;
        if (in_rule || first == where) return;
        auto& here = m_rule->written_here;
        const auto known = [node](const auto& entry) { return entry.first == node; };
        if (std::find_if(here.begin(), here.end(), known) == here.end()) here.emplace_back(node, where);
    }

    node make(op code, const ast::expr& e) {
        node n;
        n.code = code;
        n.id = e.id;
        n.where = e.where;
        return n;
    }

    std::uint32_t constant(const ast::expr& e, const eval::value& v, const std::string& key) {
        auto found = m_constants.find(key);
        std::uint32_t index;
        if (found != m_constants.end()) {
            index = found->second;
        } else {
            index = static_cast<std::uint32_t>(m_set.constants.size());
            m_set.constants.push_back(v);
            m_constants.emplace(key, index);
        }
        node n = make(op::constant, e);
        n.a = index;
        return emit(n);
    }

    std::uint32_t unknown_constant(const ast::expr& e) { return constant(e, value::unknown(), "?"); }

    /// Wraps a node that is worth computing once per record (its value depends on the record only).
    std::uint32_t memoize(std::uint32_t inner) {
        const node& in = m_set.nodes[inner];
        if (in.code == op::memo || in.code == op::constant || in.code == op::root_path) return inner;
        auto found = m_memo_of.find(inner);
        if (found != m_memo_of.end()) return found->second;
        node n = in;
        n.code = op::memo;
        n.flags = 0;
        n.a = inner;
        n.b = m_set.memo_count++;
        n.c = none;
        n.d = none;
        std::uint32_t index = emit(n);
        m_memo_of.emplace(inner, index);
        return index;
    }

    void error(code c, span where, std::string message) {
        m_diagnostics.push_back(make_diagnostic(c, where, std::move(message)));
    }

    // ----- expressions ------------------------------------------------------------------------

    compiled_expr compile(const ast::expr& e) {
        return std::visit(
            overloaded{
                [&](const ast::literal& x) { return compile_literal(e, x); },
                [&](const ast::ident& x) { return compile_ident(e, x); },
                [&](const ast::select&) { return compile_path(e); },
                [&](const ast::index& x) { return compile_index(e, x); },
                [&](const ast::list& x) { return compile_list(e, x); },
                [&](const ast::unary& x) { return compile_unary(e, x); },
                [&](const ast::binary& x) { return compile_binary(e, x); },
                [&](const ast::call& x) { return compile_call(e, x); },
                [&](const ast::quantifier& x) { return compile_quantifier(e, x); },
            },
            e.kind);
    }

    compiled_expr compile_literal(const ast::expr& e, const ast::literal& x) {
        compiled_expr out;
        out.node = std::visit(overloaded{
                                  [&](std::monostate) { return constant(e, value::null(), "z"); },
                                  [&](bool b) { return constant(e, value::boolean(b), b ? "b1" : "b0"); },
                                  [&](double d) {
                                      std::string key = "n";
                                      key.append(reinterpret_cast<const char*>(&d), sizeof d);
                                      return constant(e, value::num(d), key);
                                  },
                                  [&](const std::string& written) { return text_constant(e, text::to_nfc(written)); },
                              },
                              x.value);
        return out;
    }

    // A text of the policy, composed as the record's texts are when they are read (text.hpp).
    std::uint32_t text_constant(const ast::expr& e, const std::string& s) {
        std::string key = "s" + s;
        if (auto found = m_constants.find(key); found != m_constants.end()) return constant(e, value{}, key);
        const std::string& stored = m_set.constant_texts.emplace_back(s);
        return constant(e, value::str(stored), key);
    }

    compiled_expr compile_ident(const ast::expr& e, const ast::ident& x) {
        const binding* b = find_binding(e);
        if (b == nullptr) {
            error(code::unknown_name, e.where, "`" + x.name + "` was not resolved by the checker");
            return {unknown_constant(e)};
        }
        switch (b->k) {
            case binding::kind::record_field: return compile_path(e);
            case binding::kind::definition: return compile_definition(e, *b->definition);
            case binding::kind::variable: {
                auto found = m_variables.find(b->quantifier);
                if (found == m_variables.end()) {
                    error(code::unknown_name, e.where, "`" + x.name + "` is used outside its quantifier");
                    return {unknown_constant(e)};
                }
                node n = make(op::variable, e);
                n.a = found->second.index;
                n.c = found->second.element;
                compiled_expr out;
                out.node = emit(n);
                out.schema = found->second.element;
                out.min_variable = found->second.index;
                return out;
            }
        }
        return {unknown_constant(e)};
    }

    const binding* find_binding(const ast::expr& e) const {
        auto found = m_set.checked.bindings.find(e.id);
        return found == m_set.checked.bindings.end() ? nullptr : &found->second;
    }

    /// A chain of field reads: `a.b.c` where `a` is a record field, a definition, a variable, or
    /// any expression that denotes a place in the record.
    compiled_expr compile_path(const ast::expr& e) {
        std::vector<const ast::select*> selects;
        const ast::expr* base = &e;
        while (const auto* s = std::get_if<ast::select>(&base->kind)) {
            selects.push_back(s);
            base = s->operand.get();
        }
        std::reverse(selects.begin(), selects.end());

        std::vector<std::uint32_t> steps;
        std::uint32_t schema = none;
        compiled_expr base_expr;
        bool from_root = false;
        if (const auto* id = std::get_if<ast::ident>(&base->kind)) {
            const binding* b = find_binding(*base);
            if (b != nullptr && b->k == binding::kind::record_field) {
                from_root = true;
                schema = field_of(0, id->name);
                steps.push_back(m_set.schema[schema].position);
            }
        }
        if (!from_root) {
            base_expr = compile(*base);
            schema = base_expr.schema;
            if (selects.empty()) return base_expr;
            if (schema == none) {
                error(code::type_mismatch, selects.front()->field_where,
                      "cannot read field `" + selects.front()->field + "` of a computed value");
                return {unknown_constant(e)};
            }
        }
        for (const ast::select* s : selects) {
            schema = field_of(schema, s->field);
            steps.push_back(m_set.schema[schema].position);
        }
        m_set.schema[schema].read = true;

        compiled_expr out;
        out.schema = schema;
        out.min_variable = base_expr.min_variable;
        node n = make(from_root ? op::root_path : op::sub_path, e);
        n.b = static_cast<std::uint32_t>(steps.size());
        n.c = schema;
        if (!from_root) n.d = base_expr.node;
        out.concrete = m_set.schema[schema].concrete && (from_root || base_expr.concrete);
        if (out.concrete) n.flags |= node_concrete;
        if (from_root && steps.size() == 1) {
            n.code = op::field;
            n.a = steps[0];
            n.b = none;
            out.node = emit(n);
            return out;
        }
        out.node = emit(n, &steps);
        return out;
    }

    compiled_expr compile_definition(const ast::expr& e, const ast::definition& def) {
        auto found = m_definitions.find(&def);
        if (found != m_definitions.end()) {
            if (found->second.node == none) {
                error(code::definition_cycle, e.where, "definition `" + def.name + "` refers to itself");
                return {unknown_constant(e)};
            }
            name_definition(m_definition_index.at(&def));
            return found->second;
        }
        m_definitions.emplace(&def, compiled_expr{});  // in progress
        const auto index = static_cast<std::uint32_t>(m_set.definitions.size());
        m_definition_index.emplace(&def, index);
        m_set.definitions.push_back({def.name, def.value->where, none, is_literal(*def.value), {}});
        name_definition(index);
        // What its value names, for explanations (a vector of its own: compiling the value may add
        // definitions, and move the others).
        std::vector<std::uint32_t> named;
        std::vector<std::uint32_t>* const outer = m_naming;
        m_naming = &named;
        compiled_expr value = compile(*def.value);
        m_naming = outer;
        // Definitions never depend on quantifier variables (the checker sees to it), so their value
        // is the same for the whole record: computed at most once per record.
        value.node = memoize(value.node);
        value.min_variable = none;
        m_definitions[&def] = value;
        m_set.definitions[index].node = value.node;
        m_set.definitions[index].definitions = std::move(named);
        return value;
    }

    // Notes that the clause part (or definition) being compiled names definition `index`.
    void name_definition(std::uint32_t index) {
        if (m_naming == nullptr) return;  // a message template: not explained
        if (std::find(m_naming->begin(), m_naming->end(), index) == m_naming->end()) m_naming->push_back(index);
    }

    // A literal, or a list of literals: a phrase list, which an explanation does not repeat.
    static bool is_literal(const ast::expr& e) {
        if (std::holds_alternative<ast::literal>(e.kind)) return true;
        const auto* list = std::get_if<ast::list>(&e.kind);
        return list != nullptr && std::all_of(list->items.begin(), list->items.end(), [](const ast::expr_ptr& item) {
                   return std::holds_alternative<ast::literal>(item->kind);
               });
    }

    compiled_expr compile_index(const ast::expr& e, const ast::index& x) {
        compiled_expr operand = compile(*x.operand);
        compiled_expr subscript = compile(*x.subscript);
        node n = make(op::index, e);
        n.a = operand.node;
        n.b = subscript.node;
        compiled_expr out;
        if (operand.schema != none) {
            out.schema = element_of(operand.schema);
            n.c = out.schema;
        }
        out.min_variable = min_of(operand.min_variable, subscript.min_variable);
        out.node = emit(n);
        return out;
    }

    /// A constant list of `values`, one per `key`: lists written alike share their storage.
    std::uint32_t list_constant(const ast::expr& e, std::vector<value> values, const std::string& key) {
        if (m_constants.find(key) != m_constants.end()) return constant(e, value{}, key);
        const std::vector<value>& stored = m_set.constant_lists.emplace_back(std::move(values));
        return constant(e, value::list_of(stored.data(), static_cast<std::uint32_t>(stored.size())), key);
    }

    /// Two constant lists joined (`shared_phrases + ["extra"]`) are one constant list, so that what
    /// takes a constant list (a phrase search, `in`) still does.
    std::optional<std::uint32_t> joined_constant_lists(const ast::expr& e, std::uint32_t lhs, std::uint32_t rhs) {
        if (m_set.nodes[lhs].code != op::constant || m_set.nodes[rhs].code != op::constant) return std::nullopt;
        const std::uint32_t a = m_set.nodes[lhs].a, b = m_set.nodes[rhs].a;
        const value& l = m_set.constants[a];
        const value& r = m_set.constants[b];
        if (l.k != kind::list || r.k != kind::list) return std::nullopt;
        std::vector<value> values(l.items, l.items + l.size);
        values.insert(values.end(), r.items, r.items + r.size);
        std::string key = "j";
        key.append(reinterpret_cast<const char*>(&a), sizeof a);
        key.append(reinterpret_cast<const char*>(&b), sizeof b);
        return list_constant(e, std::move(values), key);
    }

    /// The projection schema node that joined lists denote: the one both sides denote, or the one
    /// side's when the other is a constant list, which holds no objects whose fields could be read.
    std::uint32_t joined_schema(const compiled_expr& lhs, const compiled_expr& rhs) const {
        const auto constant_list = [this](const compiled_expr& c) {
            const node& n = m_set.nodes[c.node];
            return n.code == op::constant && m_set.constants[n.a].k == kind::list;
        };
        if (lhs.schema == rhs.schema || constant_list(rhs)) return lhs.schema;
        if (constant_list(lhs)) return rhs.schema;
        return none;
    }

    compiled_expr compile_list(const ast::expr& e, const ast::list& x) {
        std::vector<std::uint32_t> items;
        std::uint32_t min_variable = none;
        bool all_constant = true;
        for (const ast::expr_ptr& item : x.items) {
            compiled_expr c = compile(*item);
            items.push_back(c.node);
            min_variable = min_of(min_variable, c.min_variable);
            all_constant = all_constant && m_set.nodes[c.node].code == op::constant;
        }
        compiled_expr out;
        out.min_variable = min_variable;
        if (all_constant) {
            std::vector<value> values;
            std::string key = "l";
            for (std::uint32_t item : items) {
                values.push_back(m_set.constants[m_set.nodes[item].a]);
                key.append(reinterpret_cast<const char*>(&m_set.nodes[item].a), sizeof(std::uint32_t));
            }
            out.node = list_constant(e, std::move(values), key);
            return out;
        }
        node n = make(op::make_list, e);
        n.b = static_cast<std::uint32_t>(items.size());
        out.node = emit(n, &items);
        return out;
    }

    compiled_expr compile_unary(const ast::expr& e, const ast::unary& x) {
        compiled_expr operand = compile(*x.operand);
        node n = make(x.op == ast::unary_op::not_ ? op::not_ : op::negate, e);
        n.a = operand.node;
        compiled_expr out;
        out.min_variable = operand.min_variable;
        out.node = emit(n);
        return out;
    }

    static bool is_null_literal(const ast::expr& e) {
        const auto* lit = std::get_if<ast::literal>(&e.kind);
        return lit != nullptr && std::holds_alternative<std::monostate>(lit->value);
    }

    compiled_expr compile_binary(const ast::expr& e, const ast::binary& x) {
        // `x == null` tests absence, `x != null` presence.
        if ((x.op == ast::binary_op::eq || x.op == ast::binary_op::ne) &&
            (is_null_literal(*x.lhs) != is_null_literal(*x.rhs))) {
            const ast::expr& other = is_null_literal(*x.lhs) ? *x.rhs : *x.lhs;
            compiled_expr operand = compile(other);
            node n = make(x.op == ast::binary_op::eq ? op::absent : op::present, e);
            n.a = operand.node;
            compiled_expr out;
            out.min_variable = operand.min_variable;
            out.node = emit(n);
            return out;
        }
        compiled_expr lhs = compile(*x.lhs);
        compiled_expr out;
        if (x.op == ast::binary_op::matches) {
            node n = make(op::matches, e);
            n.a = lhs.node;
            const auto* lit = std::get_if<ast::literal>(&x.rhs->kind);
            const std::string* pattern = lit ? std::get_if<std::string>(&lit->value) : nullptr;
            if (pattern == nullptr) {
                error(code::type_mismatch, x.rhs->where, "the pattern of `matches` must be a string literal");
                return {unknown_constant(e)};
            }
            n.b = regex(text::to_nfc(*pattern), x.rhs->where);
            out.min_variable = lhs.min_variable;
            out.node = emit(n);
            if (out.min_variable == none) out.node = memoize(out.node);
            return out;
        }
        compiled_expr rhs = compile(*x.rhs);
        if (x.op == ast::binary_op::add) {
            if (const auto joined = joined_constant_lists(e, lhs.node, rhs.node)) return {*joined};
        }
        static constexpr op ops[] = {
            op::or_, op::and_, op::eq, op::ne, op::lt, op::le, op::gt, op::ge, op::in, op::not_in,
            op::add, op::sub, op::mul, op::div, op::mod, op::contains, op::starts_with, op::ends_with,
            op::matches, op::default_,
        };
        static_assert(std::size(ops) == static_cast<std::size_t>(ast::binary_op::default_) + 1);
        node n = make(ops[static_cast<std::size_t>(x.op)], e);
        n.a = lhs.node;
        n.b = rhs.node;
        out.min_variable = min_of(lhs.min_variable, rhs.min_variable);
        specialize(n);
        out.node = emit(n);
        // `actions default []` still denotes `actions`: its fields can be read (a list literal holds no
        // objects, so a field read on one of its elements is a run-time kind error, never a wrong slot).
        if (x.op == ast::binary_op::default_ && lhs.schema != none &&
            (m_set.nodes[rhs.node].code == op::constant || rhs.schema == lhs.schema)) {
            out.schema = lhs.schema;
        }
        // Likewise the elements of `actions + more` are `actions`' elements, or a constant's.
        if (x.op == ast::binary_op::add) out.schema = joined_schema(lhs, rhs);
        return out;
    }

    /// Comparisons with a constant, the most common shape of condition, get their own operations
    /// (`speaker == "ai"`, `topic in ["debt", "health"]`).
    void specialize(node& n) {
        const auto is_constant = [this](std::uint32_t i) { return m_set.nodes[i].code == op::constant; };
        if ((n.code == op::eq || n.code == op::ne) && is_constant(n.a) != is_constant(n.b)) {
            if (is_constant(n.a)) std::swap(n.a, n.b);
            const value& c = m_set.constants[m_set.nodes[n.b].a];
            if (c.k == kind::text || c.k == kind::number || c.k == kind::boolean) {
                n.code = n.code == op::eq ? op::eq_const : op::ne_const;
                n.b = m_set.nodes[n.b].a;
            }
            return;
        }
        const bool order = n.code == op::lt || n.code == op::le || n.code == op::gt || n.code == op::ge;
        if (order && is_constant(n.b) && !is_constant(n.a)) {
            const value& c = m_set.constants[m_set.nodes[n.b].a];
            if (c.k != kind::number && c.k != kind::text) return;
            n.code = n.code == op::lt ? op::lt_const : n.code == op::le ? op::le_const : n.code == op::gt ? op::gt_const : op::ge_const;
            n.b = m_set.nodes[n.b].a;
            return;
        }
        if ((n.code == op::in || n.code == op::not_in) && is_constant(n.b)) {
            const value& c = m_set.constants[m_set.nodes[n.b].a];
            if (c.k != kind::list) return;
            for (std::uint32_t i = 0; i < c.size; ++i) {
                kind k = c.items[i].k;
                if (k != kind::text && k != kind::number && k != kind::boolean) return;
            }
            n.code = n.code == op::in ? op::in_const : op::not_in_const;
            n.b = m_set.nodes[n.b].a;
        }
    }

    std::uint32_t regex(const std::string& pattern, span where) {
        auto found = m_regexes.find(pattern);
        if (found != m_regexes.end()) return found->second;
        auto re = std::make_unique<RE2>(pattern, regex_options());
        if (!re->ok()) {
            error(code::invalid_regex, where, "invalid regular expression: " + re->error());
        }
        auto index = static_cast<std::uint32_t>(m_set.regexes.size());
        m_set.regexes.push_back(std::move(re));
        m_regexes.emplace(pattern, index);
        return index;
    }

    /// The root field `timestamp`, read by count_within and by policies with an effective period.
    void use_timestamp() {
        if (m_set.timestamp_schema != none) return;
        m_set.timestamp_schema = field_of(0, "timestamp");
        m_set.schema[m_set.timestamp_schema].read = true;
        m_set.timestamp_slot = m_set.schema[m_set.timestamp_schema].position;
    }

    /// A condition or value that a conversation function remembers: computed once per record, as it
    /// is read both while the rules are judged and when the state advances.
    std::uint32_t history_argument(const ast::expr& arg) {
        compiled_expr c = compile(arg);
        if (c.min_variable != none) {
            error(code::variable_across_turns, arg.where, "a quantifier variable is used across turns");
        }
        return memoize(c.node);
    }

    /// The tracker for (kind, arguments): one per distinct use, shared by every rule that makes it.
    std::uint32_t tracker_for(tracker t, span where) {
        std::string key;
        auto put = [&key](const auto& v) { key.append(reinterpret_cast<const char*>(&v), sizeof v); };
        put(t.kind);
        put(t.node);
        put(t.among);
        put(t.turns);
        put(t.seconds);
        if (auto found = m_trackers.find(key); found != m_trackers.end()) return found->second;
        switch (t.kind) {
            case op::count_last:
                t.slot = m_set.ring_bytes;
                m_set.ring_bytes += t.turns - 1;  // the earlier turns; this one is read from the record
                break;
            case op::previous: t.slot = m_set.text_slots++; break;
            case op::count_within: t.slot = m_set.window_slots++; break;
            default: break;
        }
        schema_node pseudo;
        pseudo.name = std::string(m_set.checked.sources->text(where));
        pseudo.path = pseudo.name;
        t.pseudo = static_cast<std::uint32_t>(m_set.schema.size());
        m_set.schema.push_back(std::move(pseudo));
        auto index = static_cast<std::uint32_t>(m_set.trackers.size());
        m_set.trackers.push_back(t);
        m_trackers.emplace(std::move(key), index);
        return index;
    }

    compiled_expr compile_history(const ast::expr& e, const ast::call& x) {
        const std::string& name = x.function;
        const std::size_t arity = name == "count_last" || name == "count_within" || name == "streak" ? 2 : 1;
        if (x.args.size() != arity) {
            error(code::wrong_argument_count, x.function_where, "`" + name + "` takes " + std::to_string(arity) +
                                                                    " argument" + (arity == 1 ? "" : "s"));
            return {unknown_constant(e)};
        }
        tracker t;
        if (name == "earlier" || name == "first") {
            t.kind = op::earlier;
        } else if (name == "previous") {
            t.kind = op::previous;
        } else if (name == "turns_since") {
            t.kind = op::turns_since;
        } else if (name == "streak") {
            t.kind = op::streak;
        } else if (name == "count_last") {
            t.kind = op::count_last;
            const auto* lit = std::get_if<ast::literal>(&x.args[0]->kind);
            const double* n = lit ? std::get_if<double>(&lit->value) : nullptr;
            if (!n || !(*n >= 1 && *n <= max_window_turns)) {
                error(code::invalid_window, x.args[0]->where, "`count_last` needs a constant number of turns");
                return {unknown_constant(e)};
            }
            t.turns = static_cast<std::uint32_t>(*n);
        } else {
            t.kind = op::count_within;
            const auto* lit = std::get_if<ast::literal>(&x.args[0]->kind);
            const std::string* text = lit ? std::get_if<std::string>(&lit->value) : nullptr;
            const auto seconds = text ? timestamp::parse_duration(*text) : std::nullopt;
            if (!seconds) {
                error(code::invalid_window, x.args[0]->where, "`count_within` needs a constant duration");
                return {unknown_constant(e)};
            }
            t.seconds = *seconds;
            use_timestamp();
        }
        const bool counted = t.kind == op::count_last || t.kind == op::count_within;
        t.node = history_argument(*x.args[counted ? 1 : 0]);
        if (t.kind == op::streak) t.among = history_argument(*x.args[1]);

        node n = make(t.kind, e);
        n.a = tracker_for(t, e.where);
        n.b = t.node;
        n.c = t.among;
        compiled_expr out;
        out.node = emit(n);
        if (name == "first") {
            // first(c) = c and not earlier(c), with the same three-valued logic.
            node negated = make(op::not_, e);
            negated.a = out.node;
            node both = make(op::and_, e);
            both.a = t.node;
            both.b = emit(negated);
            out.node = emit(both);
        }
        return out;
    }

    compiled_expr compile_call(const ast::expr& e, const ast::call& x) {
        if (x.function == "earlier" || x.function == "first" || x.function == "previous" ||
            x.function == "turns_since" || x.function == "count_last" || x.function == "count_within" ||
            x.function == "streak") {
            return compile_history(e, x);
        }
        struct fn {
            std::string_view name;
            op code;
        };
        static constexpr fn functions[] = {
            {"lower", op::lower}, {"upper", op::upper}, {"length", op::length},
            {"exists", op::present}, {"missing", op::absent},
        };
        const fn* f = nullptr;
        for (const fn& candidate : functions) {
            if (candidate.name == x.function) f = &candidate;
        }
        if (f == nullptr) {
            error(code::unknown_function, x.function_where, "unknown function `" + x.function + "`");
            return {unknown_constant(e)};
        }
        if (x.args.size() != 1) {
            error(code::wrong_argument_count, x.function_where,
                  "`" + x.function + "` takes 1 argument, got " + std::to_string(x.args.size()));
            return {unknown_constant(e)};
        }
        compiled_expr arg = compile(*x.args[0]);
        node n = make(f->code, e);
        n.a = arg.node;
        compiled_expr out;
        out.min_variable = arg.min_variable;
        out.node = emit(n);
        if ((f->code == op::lower || f->code == op::upper) && out.min_variable == none) {
            out.node = memoize(out.node);
        }
        return out;
    }

    compiled_expr compile_quantifier(const ast::expr& e, const ast::quantifier& x) {
        compiled_expr range = compile(*x.range);
        variable_info var;
        var.index = m_set.variable_count++;
        if (range.schema != none) var.element = element_of(range.schema);
        m_variables[&x] = var;
        static constexpr op ops[] = {op::any, op::all, op::none_, op::count};
        node n = make(ops[static_cast<std::size_t>(x.kind)], e);
        n.a = range.node;
        n.c = var.index;
        compiled_expr out;
        out.min_variable = range.min_variable;
        if (x.body) {
            compiled_expr body = compile(*x.body);
            n.b = body.node;
            if (body.min_variable < var.index) out.min_variable = min_of(out.min_variable, body.min_variable);
        } else if (x.kind != ast::quantifier_kind::count) {
            error(code::type_mismatch, e.where, "this quantifier needs a condition after `:`");
            return {unknown_constant(e)};
        }
        if (n.code == op::any || n.code == op::none_) n.d = phrase_set(n);
        out.node = emit(n);
        return out;
    }

    /// The phrase set of `any p in [texts]: t contains p`, or none when the quantifier has another
    /// shape. It must answer exactly as the loop does whenever `t` is a text: true when some
    /// phrase occurs in it (the empty phrase always does).
    std::uint32_t phrase_set(const node& quantifier) {
        const node& range = m_set.nodes[quantifier.a];
        if (range.code != op::constant || quantifier.b == none) return none;
        const value& phrases = m_set.constants[range.a];
        if (phrases.k != kind::list || phrases.size == 0) return none;
        const node& body = m_set.nodes[quantifier.b];
        if (body.code != op::contains) return none;
        const node& item = m_set.nodes[body.b];
        if (item.code != op::variable || item.a != quantifier.c || uses_variable(body.a, quantifier.c)) return none;
        std::string pattern;
        std::vector<std::string> texts;
        for (std::uint32_t i = 0; i < phrases.size; ++i) {
            const value& p = phrases.items[i];
            if (p.k != kind::text) return none;
            if (i) pattern += '|';
            pattern += RE2::QuoteMeta(re2::StringPiece(p.text, p.size));
            texts.emplace_back(p.sv());
        }
        auto re = std::make_unique<RE2>(pattern, regex_options());
        if (!re->ok()) return none;  // too large: the loop still answers
        m_set.phrase_sets.push_back({std::move(re), std::move(texts)});
        return static_cast<std::uint32_t>(m_set.phrase_sets.size() - 1);
    }

    // ----- rules ------------------------------------------------------------------------------

    /// A clause that several rules share (hash-consing made it one node: `speaker == "ai"` opens
    /// most rules) is computed once per record: every rule after the first reads it from its memo.
    void share_clauses() {
        std::unordered_map<std::uint32_t, std::uint32_t> uses;
        const auto each_clause = [&](auto&& visit) {
            for (compiled_rule& r : m_set.rules) {
                for (std::uint32_t& n : r.when) visit(n);
                for (std::uint32_t& n : r.unless) visit(n);
                for (obligation& o : r.obligations) visit(o.node);
            }
        };
        each_clause([&](std::uint32_t& n) { ++uses[n]; });
        each_clause([&](std::uint32_t& n) {
            if (uses[n] > 1 && !uses_variable(n, none)) n = memoize(n);
        });
    }

    // ----- text scans -------------------------------------------------------------------------

    /// Groups the regex searches by the text they search: every `matches` and phrase set whose text
    /// is the same record-level node joins that node's scan (compiled_set::scans).
    void plan_scans() {
        std::unordered_map<std::uint32_t, std::uint32_t> scan_of;  // subject node -> scan
        const auto join = [&](std::uint32_t subject, const std::string& pattern, std::vector<std::string> phrases,
                              std::uint32_t& scan, std::uint32_t& position) {
            if (uses_variable(subject, none)) return;
            auto [at, fresh] = scan_of.try_emplace(subject, static_cast<std::uint32_t>(m_set.scans.size()));
            if (fresh) m_set.scans.emplace_back().subject = subject;
            scan = at->second;
            position = static_cast<std::uint32_t>(m_set.scans[scan].patterns.size());
            m_set.scans[scan].patterns.push_back(pattern);
            m_set.scans[scan].phrases.push_back(std::move(phrases));
        };
        for (node& n : m_set.nodes) {
            if (n.code == op::matches && m_set.regexes[n.b]->ok()) {
                join(n.a, m_set.regexes[n.b]->pattern(), {}, n.c, n.d);
            } else if ((n.code == op::any || n.code == op::none_) && n.d != none) {
                eval::phrase_set& p = m_set.phrase_sets[n.d];
                if (p.scan == none) join(m_set.nodes[n.b].a, p.re->pattern(), std::move(p.phrases), p.scan, p.pattern);
            }
        }
        for (eval::text_scan& scan : m_set.scans) scan.plan();
        // A scan RE2 cannot build (too large) is dropped: its nodes search one pattern at a time.
        for (std::uint32_t i = 0; i < m_set.scans.size(); ++i) {
            if (m_set.scans[i].always.empty() || m_set.scans[i].build_always()) continue;
            for (node& n : m_set.nodes) {
                if (n.code == op::matches && n.c == i) n.c = n.d = none;
            }
            for (eval::phrase_set& p : m_set.phrase_sets) {
                if (p.scan == i) p.scan = p.pattern = none;
            }
        }
    }

    /// Whether node n reads `variable` (any variable when `variable` is none).
    bool uses_variable(std::uint32_t n, std::uint32_t variable) const {
        const node& x = m_set.nodes[n];
        if (x.code == op::variable) return variable == none || x.a == variable;
        bool used = false;
        for_each_child(m_set, x, [&](std::uint32_t child) { used = used || uses_variable(child, variable); });
        return used;
    }

    // ----- rules ------------------------------------------------------------------------------

    // some_policy_in_effect's copy of a policy's period, in the milliseconds of record times.
    void note_effective_period(bool limited, double from, double until) {
        if (!limited) {
            m_set.always_in_effect = true;
            return;
        }
        const auto ms = [](double seconds) {
            if (seconds == -std::numeric_limits<double>::infinity()) return std::numeric_limits<std::int64_t>::min();
            if (seconds == std::numeric_limits<double>::infinity()) return std::numeric_limits<std::int64_t>::max();
            return static_cast<std::int64_t>(seconds * 1000);
        };
        m_set.effective_ms.emplace_back(ms(from), ms(until));
    }

    void compile_policy(const ast::policy& pol) {
        policy_summary summary;
        summary.name = pol.name;
        summary.version = pol.version ? pol.version->value : std::string();
        summary.rules = pol.rules.size();
        m_set.versioned = m_set.versioned || std::any_of(m_set.summaries.begin(), m_set.summaries.end(),
                                                         [&](const policy_summary& s) { return s.name == pol.name; });
        m_set.summaries.push_back(summary);
        struct {
            bool limited = false;
            double from = -std::numeric_limits<double>::infinity();
            double until = std::numeric_limits<double>::infinity();
        } period;
        if (pol.effective) {
            // The checker validated the dates.
            period.limited = true;
            if (pol.effective->from) period.from = timestamp::parse_date(pol.effective->from->value).value_or(period.from);
            if (pol.effective->until) {
                period.until = timestamp::parse_date(pol.effective->until->value).value_or(period.until);
            }
        }
        note_effective_period(period.limited, period.from, period.until);
        for (const ast::rule& r : pol.rules) {
            compiled_rule out;
            m_rule = &out;
            m_rule_where = r.where;
            out.policy = pol.name;
            out.policy_version = summary.version;
            out.name = r.name;
            out.where = r.name_where;
            out.severity = r.severity ? r.severity->value : "medium";
            for (const ast::clause& c : r.clauses) {
                // `when a and b` is `when a` plus `when b` (likewise `unless a or b`, `require a and b`,
                // `forbid a or b`): the same three-valued result, but the rule stops at the first
                // false `when` without evaluating an `and`.
                const bool conjunctive = c.kind == ast::clause_kind::when || c.kind == ast::clause_kind::require;
                std::vector<const ast::expr*> parts;
                split(*c.condition, conjunctive ? ast::binary_op::and_ : ast::binary_op::or_, parts);
                for (const ast::expr* part : parts) {
                    clause_source source;
                    const std::uint32_t root = compile_part(*part, source);
                    switch (c.kind) {
                        case ast::clause_kind::when:
                            out.when.push_back(root);
                            out.when_sources.push_back(std::move(source));
                            break;
                        case ast::clause_kind::unless:
                            out.unless.push_back(root);
                            out.unless_sources.push_back(std::move(source));
                            break;
                        case ast::clause_kind::require:
                        case ast::clause_kind::forbid:
                            out.obligations.push_back({root, c.kind == ast::clause_kind::forbid});
                            out.obligation_sources.push_back(std::move(source));
                            break;
                    }
                }
            }
            if (r.message) {
                for (const ast::template_part& part : r.message->parts) {
                    message_part p;
                    if (part.value) p.node = compile(*part.value).node;
                    else p.text = part.text;
                    out.message.push_back(std::move(p));
                }
                if (out.message.empty()) out.message.push_back({});
            }
            if (r.then) {
                out.deferred = true;
                out.then_.turns = r.then->turns;
                if (r.then->filter) out.then_.filter = compile_part(*r.then->filter, out.then_.filter_source);
                out.then_.condition = compile_part(*r.then->condition, out.then_.condition_source);
                out.then_.forbid = r.then->kind == ast::clause_kind::forbid;
                out.then_.slot = m_set.deferred_rules++;
            }
            if (period.limited) {
                out.limited = true;
                out.from = period.from;
                out.until = period.until;
                use_timestamp();
            }
            out.special = out.deferred || out.limited;
            m_set.special_rules = m_set.special_rules || out.special;
            out.fallback_message = r.description ? r.description->value : r.name;
            for (const ast::remedy& rem : r.remedies) {
                out.remedies.push_back({rem.kind, rem.argument ? rem.argument->value : std::string()});
            }
            collect_evidence(out);
            note_schema_reads(out, declared_schema(pol));
            m_rule = nullptr;
            m_set.rules.push_back(std::move(out));
        }
    }

    /// Compiles one clause part, noting where it is written and the definitions it names.
    std::uint32_t compile_part(const ast::expr& part, clause_source& source) {
        source.where = part.where;
        std::vector<std::uint32_t>* const outer = m_naming;
        m_naming = &source.definitions;
        const std::uint32_t root = compile(part).node;
        m_naming = outer;
        return root;
    }

    /// The operands of a chain of one operator: `a and (b and c)` -> a, b, c, in order.
    static void split(const ast::expr& e, ast::binary_op op, std::vector<const ast::expr*>& out) {
        if (const auto* b = std::get_if<ast::binary>(&e.kind); b != nullptr && b->op == op) {
            split(*b->lhs, op, out);
            split(*b->rhs, op, out);
            return;
        }
        out.push_back(&e);
    }

    /// Calls `visit` once for every node reachable from the rule's clauses and message.
    template <typename F>
    void for_each_reachable(const compiled_rule& r, F&& visit) const {
        std::vector<std::uint32_t> todo;
        for (const obligation& o : r.obligations) todo.push_back(o.node);
        todo.insert(todo.end(), r.when.begin(), r.when.end());
        todo.insert(todo.end(), r.unless.begin(), r.unless.end());
        for (const message_part& p : r.message) {
            if (p.node != none) todo.push_back(p.node);
        }
        if (r.deferred) {
            todo.push_back(r.then_.filter);
            todo.push_back(r.then_.condition);
        }
        std::unordered_set<std::uint32_t> seen;
        while (!todo.empty()) {
            std::uint32_t i = todo.back();
            todo.pop_back();
            if (i == none || !seen.insert(i).second) continue;
            const node& n = m_set.nodes[i];
            visit(n);
            for_each_child(m_set, n, [&todo](std::uint32_t child) { todo.push_back(child); });
        }
    }

    /// Every concrete record path reachable from the rule's clauses and message.
    void collect_evidence(compiled_rule& r) {
        std::vector<std::uint32_t> paths;
        for_each_reachable(r, [&](const node& n) {
            if ((n.flags & node_concrete) != 0) paths.push_back(n.c);
        });
        std::sort(paths.begin(), paths.end(), [this](std::uint32_t a, std::uint32_t b) {
            return m_set.schema[a].path < m_set.schema[b].path;
        });
        paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
        for (const std::uint32_t s : paths) {
            std::string& key = r.evidence_keys.emplace_back();
            append_json_string(key, m_set.schema[s].path);
            key += ':';
        }
        r.evidence = std::move(paths);
    }

    // ----- what the declared schemas allow ------------------------------------------------------

    /// The record schema `pol` declares, or null when it declares none.
    const nlohmann::json* declared_schema(const ast::policy& pol) const {
        if (!pol.schema) return nullptr;
        const auto it = m_set.checked.schemas.find(pol.schema_key);
        return it == m_set.checked.schemas.end() ? nullptr : &it->second;
    }

    /// Notes that the rule, of a policy declaring `schema` (null: none), reads the record paths its
    /// nodes name, and the objects and lists on the way to them. Definitions are compiled once for
    /// the whole set, so who reads a path is told by the rules that reach it, not by where the
    /// path was compiled.
    void note_schema_reads(const compiled_rule& r, const nlohmann::json* schema) {
        for_each_reachable(r, [&](const node& n) {
            if (!names_record_path(n.code) || n.c == none) return;
            for (std::uint32_t s = n.c; s != none && s != 0; s = m_set.schema[s].parent) {
                std::vector<const nlohmann::json*>& readers = m_schema_readers[s];
                if (std::find(readers.begin(), readers.end(), schema) == readers.end()) readers.push_back(schema);
            }
        });
    }

    static bool names_record_path(op code) {
        return code == op::field || code == op::root_path || code == op::sub_path || code == op::variable ||
               code == op::index;
    }

    /// Every path the rules read gets what the schemas of the policies reading it allow. A path
    /// some policy without a schema reads, or whose schema says nothing of it, is not checked:
    /// its rules take any value, as they were written to.
    void constrain_read_values() {
        for (const auto& [s, readers] : m_schema_readers) {
            if (!reaches_record(s)) continue;  // the text of a conversation function, not a path
            value_rules allowed;
            for (const nlohmann::json* schema : readers) {
                const value_rule own = schema == nullptr ? value_rule{} : allowed_at(schema_view(schema), s);
                if (!own.checks()) {
                    allowed.any_of.clear();
                    break;
                }
                const auto& known = allowed.any_of;
                if (std::find(known.begin(), known.end(), own) == known.end()) allowed.any_of.push_back(own);
            }
            if (!allowed.checks()) continue;
            allowed.complete();
            m_set.schema[s].allowed = std::move(allowed);
        }
    }

    bool reaches_record(std::uint32_t s) const {
        while (s != 0 && s != none) s = m_set.schema[s].parent;
        return s == 0;
    }

    value_rule allowed_at(const schema_view& view, std::uint32_t s) const {
        return value_rule_of(view, schema_node_of(view, s));
    }

    /// The node of the schema document that describes projection node `s`; null when the
    /// document does not describe it.
    const nlohmann::json* schema_node_of(const schema_view& view, std::uint32_t s) const {
        if (s == 0) return view.root();
        const schema_node& at = m_set.schema[s];
        const nlohmann::json* parent = schema_node_of(view, at.parent);
        if (parent == nullptr) return nullptr;
        if (at.element) return view.items(parent);
        bool known = true;
        std::vector<std::string> siblings;
        return view.field(parent, at.name, known, siblings);
    }

    struct variable_info {
        std::uint32_t index = none;
        std::uint32_t element = none;
    };

    compiled_set& m_set;
    const compile_options& m_options;
    std::vector<diagnostic> m_diagnostics;
    std::unordered_map<std::string, std::uint32_t> m_interned;
    compiled_rule* m_rule = nullptr;  // the rule being compiled, if any
    span m_rule_where;
    std::unordered_map<std::string, std::uint32_t> m_constants;
    std::unordered_map<std::string, std::uint32_t> m_regexes;
    std::unordered_map<std::uint32_t, std::uint32_t> m_memo_of;
    std::unordered_map<std::string, std::uint32_t> m_trackers;
    std::unordered_map<std::uint32_t, std::vector<const nlohmann::json*>> m_schema_readers;  // per schema node
    std::unordered_map<const ast::definition*, compiled_expr> m_definitions;
    std::unordered_map<const ast::definition*, std::uint32_t> m_definition_index;  // in m_set.definitions
    std::vector<std::uint32_t>* m_naming = nullptr;  // the definitions named by what is being compiled
    std::unordered_map<const ast::quantifier*, variable_info> m_variables;
};

}  // namespace

}  // namespace vigil::eval

namespace vigil {

bool is_field_path(std::string_view path) {
    const auto letter = [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_'; };
    const auto digit = [](char ch) { return ch >= '0' && ch <= '9'; };
    bool name_start = true;
    for (const char ch : path) {
        if (ch == '.') {
            if (name_start) return false;
            name_start = true;
        } else if (name_start ? letter(ch) : letter(ch) || digit(ch)) {
            name_start = false;
        } else {
            return false;
        }
    }
    return !name_start;
}

result<std::shared_ptr<const compiled_set>> compile(checked_set&& checked, const compile_options& options) {
    for (const std::string& path : options.carried_fields) {
        if (!is_field_path(path))
            throw std::invalid_argument("compile: carried field `" + path +
                                        "` is not a field path (names joined by dots)");
    }
    auto set = std::make_shared<compiled_set>();
    set->checked = std::move(checked);
    eval::compiler c(*set, options);
    c.run();
    result<std::shared_ptr<const compiled_set>> out;
    out.diagnostics = c.take_diagnostics();
    sort_diagnostics(out.diagnostics);
    if (!has_errors(out.diagnostics)) out.value = std::move(set);
    return out;
}

std::vector<policy_summary> summarize(const compiled_set& set) { return set.summaries; }

const std::string& policy_hash(const compiled_set& set) { return set.checked.hash; }

std::vector<policy_file> policy_files(const compiled_set& set) {
    // From the text the loader kept, which is the file's bytes: the files are not read again.
    std::vector<policy_file> out;
    const auto add = [&out](const std::string& path, std::string_view text) {
        sha256 digest;
        digest.update(text);
        out.push_back({path, digest.hex()});
    };
    if (set.checked.sources) {
        const source_map& sources = *set.checked.sources;
        for (std::size_t i = 0; i < sources.size(); ++i) {
            const source_file& file = sources.file(static_cast<file_id>(i));
            add(file.name, file.text);
        }
    }
    for (const schema_file& schema : set.checked.schema_files) add(schema.path, schema.text);
    return out;
}

bool some_policy_in_effect(const compiled_set& set, std::int64_t time_ms) {
    if (set.always_in_effect) return true;
    return std::any_of(set.effective_ms.begin(), set.effective_ms.end(),
                       [&](const auto& period) { return time_ms >= period.first && time_ms < period.second; });
}

const std::vector<std::string>& carried_fields(const compiled_set& set) {
    return set.carried_fields;
}

namespace {

// The concrete record paths the nodes reachable from `root` read, sorted and distinct.
std::vector<std::string> paths_below(const compiled_set& set, std::uint32_t root) {
    std::vector<std::uint32_t> todo{root};
    std::unordered_set<std::uint32_t> seen;
    std::vector<std::string> paths;
    while (!todo.empty()) {
        const std::uint32_t i = todo.back();
        todo.pop_back();
        if (i == eval::none || !seen.insert(i).second) continue;
        const eval::node& n = set.nodes[i];
        if ((n.flags & eval::node_concrete) != 0) paths.push_back(set.schema[n.c].path);
        eval::for_each_child(set, n, [&todo](std::uint32_t child) { todo.push_back(child); });
    }
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    return paths;
}

}  // namespace

std::vector<message_reads> message_placeholders(const compiled_set& set) {
    std::vector<message_reads> out;
    out.reserve(set.rules.size());
    for (const eval::compiled_rule& r : set.rules) {
        message_reads& m = out.emplace_back();
        m.policy = r.policy;
        m.rule = r.name;
        for (const eval::message_part& p : r.message) {
            if (p.node != eval::none) m.placeholders.push_back(paths_below(set, p.node));
        }
    }
    return out;
}

std::vector<std::string> projected_paths(const compiled_set& set) {
    std::vector<std::string> out;
    for (const eval::schema_node& s : set.schema) {
        if (s.read) out.push_back(s.path);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace vigil
