// Settings → Rules: the trigger's inputs for the chosen trigger, and editors for the conditions
// (all/any groups of comparisons) and the actions (steps whose settings come from each action's
// JSON schema). The editors write JSON into the form's "conditions" and "actions" text areas,
// which the server checks as it checks the API's documents; without JavaScript those text areas
// are shown and can be edited by hand.
(function () {
  "use strict";

  var MAX_DEPTH = 4;
  var NO_VALUE = ["is_empty", "is_not_empty", "changed"];
  var MANY = ["in", "not_in"];

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function option(value, label, selected) {
    var node = el("option", { value: value, text: label });
    if (selected) node.selected = true;
    return node;
  }

  function select(options, current, attrs) {
    var node = el("select", attrs);
    options.forEach(function (pair) {
      node.appendChild(option(pair[0], pair[1], String(pair[0]) === String(current)));
    });
    return node;
  }

  function button(text, className, onClick) {
    var node = el("button", { type: "button", className: "button small " + (className || ""), text: text });
    node.addEventListener("click", onClick);
    return node;
  }

  // --- the trigger's inputs ------------------------------------------------------------------

  function showTrigger(form) {
    var chosen = form.querySelector("[name=trigger]");
    if (!chosen) return;
    form.querySelectorAll("[data-trigger]").forEach(function (box) {
      box.hidden = box.getAttribute("data-trigger").split(" ").indexOf(chosen.value) === -1;
    });
    var statusField = form.querySelector("[name=status_field]");
    form.querySelectorAll("[data-status-of]").forEach(function (box) {
      box.hidden = !statusField || box.getAttribute("data-status-of") !== statusField.value;
    });
  }

  // --- conditions ----------------------------------------------------------------------------

  function ConditionEditor(root, meta, textarea) {
    this.root = root;
    this.meta = meta;
    this.textarea = textarea;
    this.fields = {};
    var self = this;
    meta.fields.forEach(function (f) { self.fields[f.path] = f; });
  }

  ConditionEditor.prototype.parse = function () {
    try {
      var doc = JSON.parse(this.textarea.value || "{}");
      return doc && typeof doc === "object" && !Array.isArray(doc) ? doc : {};
    } catch (e) {
      return {};
    }
  };

  ConditionEditor.prototype.start = function () {
    var doc = this.parse();
    var mode = doc.any ? "any" : "all";
    this.top = { mode: mode, items: (doc[mode] || []).map(this.fromDoc, this) };
    this.render();
  };

  ConditionEditor.prototype.fromDoc = function (item) {
    if (item && (item.all || item.any)) {
      var mode = item.any ? "any" : "all";
      return { mode: mode, items: (item[mode] || []).map(this.fromDoc, this) };
    }
    return { field: item.field || "", op: item.op || "eq", value: item.value };
  };

  ConditionEditor.prototype.toDoc = function (group) {
    if (!group.items) {
      var leaf = { field: group.field, op: group.op };
      if (NO_VALUE.indexOf(group.op) === -1) leaf.value = group.value === undefined ? "" : group.value;
      return leaf;
    }
    var doc = {};
    doc[group.mode] = group.items.map(this.toDoc, this);
    return doc;
  };

  ConditionEditor.prototype.save = function () {
    var doc = this.top.items.length ? this.toDoc(this.top) : {};
    this.textarea.value = JSON.stringify(doc);
  };

  ConditionEditor.prototype.render = function () {
    this.root.textContent = "";
    if (!this.top.items.length) {
      this.root.appendChild(el("p", { className: "muted", text: this.meta.text.always }));
    }
    this.root.appendChild(this.group(this.top, "conditions", 0, null));
    this.save();
    showErrors(this.root, this.meta.errors);
  };

  ConditionEditor.prototype.group = function (group, path, depth, parent) {
    var self = this;
    var box = el("div", { className: "rule-group", "data-path": path });
    var mode = select(
      [["all", this.meta.text.all], ["any", this.meta.text.any]],
      group.mode,
      { "aria-label": this.meta.text.match }
    );
    mode.addEventListener("change", function () { group.mode = mode.value; self.render(); });
    var head = el("div", { className: "rule-group-head" }, [mode]);
    head.appendChild(button(this.meta.text.addCondition, "", function () {
      var first = self.meta.fields[0];
      group.items.push({ field: first ? first.path : "", op: first ? first.ops[0] : "eq", value: "" });
      self.render();
    }));
    if (depth + 1 < MAX_DEPTH) {
      head.appendChild(button(this.meta.text.addGroup, "", function () {
        group.items.push({ mode: "any", items: [] });
        self.render();
      }));
    }
    if (parent) {
      head.appendChild(button(this.meta.text.remove, "danger", function () {
        parent.items.splice(parent.items.indexOf(group), 1);
        self.render();
      }));
    }
    box.appendChild(head);
    var list = el("ul", { className: "rule-items" });
    group.items.forEach(function (item, index) {
      var itemPath = path + "." + group.mode + "." + index;
      list.appendChild(el("li", {}, [
        item.items ? self.group(item, itemPath, depth + 1, group) : self.leaf(item, itemPath, group),
      ]));
    });
    box.appendChild(list);
    return box;
  };

  ConditionEditor.prototype.leaf = function (leaf, path, parent) {
    var self = this;
    var row = el("div", { className: "rule-leaf", "data-path": path });
    var info = this.fields[leaf.field];
    var fieldOptions = this.meta.fields.map(function (f) { return [f.path, f.label]; });
    if (!info && leaf.field) fieldOptions.unshift([leaf.field, leaf.field]);
    var field = select(fieldOptions, leaf.field, { "aria-label": this.meta.text.field, "data-path": path + ".field" });
    field.addEventListener("change", function () {
      leaf.field = field.value;
      var next = self.fields[leaf.field];
      if (next && next.ops.indexOf(leaf.op) === -1) leaf.op = next.ops[0];
      leaf.value = "";
      self.render();
    });
    var ops = (info ? info.ops : Object.keys(this.meta.ops)).map(function (op) {
      return [op, self.meta.ops[op] || op];
    });
    var op = select(ops, leaf.op, { "aria-label": this.meta.text.operator, "data-path": path + ".op" });
    op.addEventListener("change", function () {
      var wasMany = MANY.indexOf(leaf.op) !== -1;
      leaf.op = op.value;
      if (wasMany !== (MANY.indexOf(leaf.op) !== -1)) leaf.value = "";
      self.render();
    });
    row.appendChild(field);
    row.appendChild(op);
    if (NO_VALUE.indexOf(leaf.op) === -1) row.appendChild(this.valueInput(leaf, info, path + ".value"));
    row.appendChild(button(this.meta.text.remove, "danger", function () {
      parent.items.splice(parent.items.indexOf(leaf), 1);
      self.render();
    }));
    return row;
  };

  ConditionEditor.prototype.valueInput = function (leaf, info, path) {
    var self = this;
    var type = info ? info.type : "text";
    var many = MANY.indexOf(leaf.op) !== -1;
    var input;
    if (info && info.choices && info.choices.length) {
      input = select(info.choices, many ? null : leaf.value, { "aria-label": this.meta.text.value, "data-path": path });
      if (many) {
        input.multiple = true;
        var chosen = Array.isArray(leaf.value) ? leaf.value.map(String) : [];
        Array.prototype.forEach.call(input.options, function (o) { o.selected = chosen.indexOf(o.value) !== -1; });
      } else if (leaf.value === "" || leaf.value === undefined) {
        leaf.value = input.value;
      }
    } else if (type === "boolean") {
      input = select([["true", this.meta.text.yes], ["false", this.meta.text.no]],
        String(leaf.value === "" ? true : leaf.value), { "aria-label": this.meta.text.value, "data-path": path });
      leaf.value = input.value === "true";
    } else {
      var kinds = { number: "number", decimal: "number", date: "date", datetime: "datetime-local" };
      var shown = many && Array.isArray(leaf.value) ? leaf.value.join(", ") : (leaf.value === undefined ? "" : leaf.value);
      input = el("input", {
        type: many ? "text" : (kinds[type] || "text"),
        value: String(shown),
        step: type === "decimal" ? "any" : null,
        placeholder: many ? this.meta.text.several : null,
        "aria-label": this.meta.text.value,
        "data-path": path,
      });
    }
    var read = function () {
      if (input.multiple) {
        leaf.value = Array.prototype.filter.call(input.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else if (type === "boolean") {
        leaf.value = input.value === "true";
      } else if (many) {
        leaf.value = input.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
      } else if ((type === "number" || type === "decimal") && input.value !== "") {
        leaf.value = Number(input.value);
      } else {
        leaf.value = input.value;
      }
      self.save();
    };
    input.addEventListener("change", read);
    input.addEventListener("input", read);
    return input;
  };

  // --- actions -------------------------------------------------------------------------------

  function ActionEditor(root, meta, textarea) {
    this.root = root;
    this.meta = meta;
    this.textarea = textarea;
    this.types = {};
    var self = this;
    meta.actions.forEach(function (a) { self.types[a.key] = a; });
  }

  ActionEditor.prototype.start = function () {
    var steps;
    try {
      steps = JSON.parse(this.textarea.value || "[]");
    } catch (e) {
      steps = [];
    }
    this.steps = Array.isArray(steps) ? steps : [];
    this.render();
  };

  ActionEditor.prototype.save = function () {
    this.textarea.value = JSON.stringify(this.steps);
  };

  ActionEditor.prototype.render = function () {
    var self = this;
    this.root.textContent = "";
    var list = el("ol", { className: "rule-steps" });
    this.steps.forEach(function (step, index) { list.appendChild(self.step(step, index)); });
    this.root.appendChild(list);
    if (!this.steps.length) this.root.appendChild(el("p", { className: "muted", text: this.meta.text.noActions }));
    this.root.appendChild(button(this.meta.text.addAction, "", function () {
      var first = self.meta.actions[0];
      self.steps.push({ type: first ? first.key : "", params: {} });
      self.render();
    }));
    this.save();
    showErrors(this.root, this.meta.errors);
  };

  ActionEditor.prototype.move = function (index, by) {
    var target = index + by;
    if (target < 0 || target >= this.steps.length) return;
    var step = this.steps.splice(index, 1)[0];
    this.steps.splice(target, 0, step);
    this.render();
  };

  ActionEditor.prototype.step = function (step, index) {
    var self = this;
    var path = "actions." + index;
    var item = el("li", { className: "rule-step", "data-path": path });
    var options = this.meta.actions.map(function (a) { return [a.key, a.label]; });
    if (!this.types[step.type]) options.unshift([step.type, step.type]);
    var kind = select(options, step.type, { "aria-label": this.meta.text.action, "data-path": path + ".type" });
    kind.addEventListener("change", function () { step.type = kind.value; step.params = {}; self.render(); });
    var head = el("div", { className: "rule-step-head" }, [kind]);
    head.appendChild(button("↑", "", function () { self.move(index, -1); }));
    head.appendChild(button("↓", "", function () { self.move(index, 1); }));
    head.appendChild(button(this.meta.text.remove, "danger", function () {
      self.steps.splice(index, 1);
      self.render();
    }));
    item.appendChild(head);
    var type = this.types[step.type];
    if (type) {
      step.params = step.params && typeof step.params === "object" ? step.params : {};
      item.appendChild(new SchemaForm(this.meta, type.schema, function () { self.save(); })
        .object(type.schema, step.params, path + ".params"));
    }
    return item;
  };

  // --- a settings form from a JSON schema ----------------------------------------------------

  function SchemaForm(meta, root, onChange) {
    this.meta = meta;
    this.defs = root.$defs || root.definitions || {};
    this.onChange = onChange;
  }

  SchemaForm.prototype.resolve = function (schema) {
    if (schema && schema.$ref) {
      var name = schema.$ref.split("/").pop();
      return this.resolve(this.defs[name] || {});
    }
    var choices = schema && (schema.anyOf || schema.oneOf);
    if (choices) {
      var real = choices.filter(function (s) { return s.type !== "null"; });
      if (real.length === 1) {
        var merged = Object.assign({}, this.resolve(real[0]));
        ["title", "description", "default"].forEach(function (k) { if (k in schema) merged[k] = schema[k]; });
        return merged;
      }
    }
    return schema || {};
  };

  SchemaForm.prototype.object = function (schema, values, path) {
    var self = this;
    schema = this.resolve(schema);
    var box = el("div", { className: "rule-params" });
    var required = schema.required || [];
    Object.keys(schema.properties || {}).forEach(function (name) {
      var prop = self.resolve(schema.properties[name]);
      if (!(name in values) && prop["default"] !== undefined) values[name] = prop["default"];
      box.appendChild(self.property(name, prop, values, path + "." + name, required.indexOf(name) !== -1));
    });
    return box;
  };

  SchemaForm.prototype.picker = function (name) {
    var lists = this.meta.choices || {};
    var aliases = { user: "users", user_id: "users", assignee: "users", otherwise: "users",
      team: "teams", team_id: "teams", role: "roles", endpoint: "endpoints", endpoint_id: "endpoints",
      webhook: "endpoints", field: "writable" };
    return lists[aliases[name] || ""] || null;
  };

  SchemaForm.prototype.property = function (name, prop, values, path, required) {
    var self = this;
    var id = "f-" + path.replace(/[^a-zA-Z0-9]+/g, "-");
    var label = el("label", { "for": id, text: (prop.title || name) + (required ? " *" : "") });
    var wrap = el("div", { className: "field", "data-path": path }, [label]);
    var changed = function (value) {
      if (value === "" || value === null || (Array.isArray(value) && !value.length)) delete values[name];
      else values[name] = value;
      self.onChange();
    };
    var input = this.input(name, prop, values[name], id, changed, path, values);
    if (input) wrap.appendChild(input);
    if (prop.description) wrap.appendChild(el("small", { className: "help", text: prop.description }));
    return wrap;
  };

  SchemaForm.prototype.input = function (name, prop, value, id, changed, path, values) {
    var self = this;
    var picker = this.picker(name);
    var enumValues = prop["enum"] || (prop["const"] !== undefined ? [prop["const"]] : null);
    if (prop.type === "object" && prop.properties) {
      values[name] = value && typeof value === "object" ? value : {};
      return this.object(prop, values[name], path);
    }
    if (prop.type === "object") return this.mapping(prop, value || {}, id, changed);
    if (prop.type === "array") {
      var items = this.resolve(prop.items || {});
      if (items["enum"]) {
        var multi = select(items["enum"].map(function (v) { return [v, self.label(v, name)]; }), null, { id: id, "data-path": path });
        multi.multiple = true;
        var chosen = Array.isArray(value) ? value : [];
        Array.prototype.forEach.call(multi.options, function (o) { o.selected = chosen.indexOf(o.value) !== -1; });
        multi.addEventListener("change", function () {
          changed(Array.prototype.filter.call(multi.options, function (o) { return o.selected; }).map(function (o) { return o.value; }));
        });
        return multi;
      }
      var list = el("input", { id: id, type: "text", value: Array.isArray(value) ? value.join(", ") : "", placeholder: this.meta.text.several, "data-path": path });
      list.addEventListener("input", function () {
        changed(list.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean));
      });
      return list;
    }
    if (enumValues || picker) {
      var options = enumValues ? enumValues.map(function (v) { return [v, self.label(v, name)]; }) : picker.slice();
      options.unshift(["", "—"]);
      var chooser = select(options, value === undefined ? "" : value, { id: id, "data-path": path });
      chooser.addEventListener("change", function () {
        var v = chooser.value;
        changed(v !== "" && (prop.type === "integer" || (!enumValues && picker)) && /^\d+$/.test(v) ? Number(v) : v);
      });
      return chooser;
    }
    if (prop.type === "boolean") {
      var box = el("input", { id: id, type: "checkbox", "data-path": path });
      box.checked = value === true;
      box.addEventListener("change", function () { changed(box.checked); });
      return box;
    }
    if (prop.type === "integer" || prop.type === "number") {
      var number = el("input", { id: id, type: "number", value: value === undefined ? "" : String(value),
        min: prop.minimum, max: prop.maximum, step: prop.type === "integer" ? "1" : "any", "data-path": path });
      number.addEventListener("input", function () { changed(number.value === "" ? "" : Number(number.value)); });
      return number;
    }
    var long = (prop.maxLength || 0) > 300 || ["body", "description", "text", "message"].indexOf(name) !== -1;
    var text = el(long ? "textarea" : "input", { id: id, type: long ? null : (prop.format === "email" ? "email" : "text"),
      maxlength: prop.maxLength, rows: long ? "4" : null, "data-path": path });
    text.value = value === undefined || value === null ? "" : String(value);
    text.addEventListener("input", function () { changed(text.value); });
    return text;
  };

  // a free mapping (territory: state → user; field → value): rows of key and value
  SchemaForm.prototype.mapping = function (prop, value, id, changed) {
    var self = this;
    var rows = Object.keys(value).map(function (k) { return [k, value[k]]; });
    var box = el("div", { className: "rule-mapping", id: id });
    var valueSchema = this.resolve(prop.additionalProperties || {});
    var emit = function () {
      var out = {};
      rows.forEach(function (r) {
        if (r[0] !== "") out[r[0]] = valueSchema.type === "integer" && /^\d+$/.test(String(r[1])) ? Number(r[1]) : r[1];
      });
      changed(out);
    };
    var draw = function () {
      box.textContent = "";
      rows.forEach(function (row, index) {
        var key = el("input", { type: "text", value: row[0], "aria-label": self.meta.text.key });
        key.addEventListener("input", function () { row[0] = key.value; emit(); });
        var val;
        if (valueSchema.type === "integer" && self.meta.choices && self.meta.choices.users) {
          val = select([["", "—"]].concat(self.meta.choices.users), row[1], { "aria-label": self.meta.text.value });
          val.addEventListener("change", function () { row[1] = val.value; emit(); });
        } else {
          val = el("input", { type: "text", value: row[1] === undefined ? "" : String(row[1]), "aria-label": self.meta.text.value });
          val.addEventListener("input", function () { row[1] = val.value; emit(); });
        }
        box.appendChild(el("div", { className: "rule-mapping-row" }, [key, val,
          button(self.meta.text.remove, "danger", function () { rows.splice(index, 1); draw(); emit(); })]));
      });
      box.appendChild(button(self.meta.text.addRow, "", function () { rows.push(["", ""]); draw(); }));
    };
    draw();
    return box;
  };

  // words for a setting's value: "property:value" first (the same value can mean two things)
  SchemaForm.prototype.label = function (value, name) {
    var labels = this.meta.labels || {};
    return labels[name + ":" + value] || labels[value] || String(value).replace(/_/g, " ");
  };

  // --- errors from the server, by path -------------------------------------------------------

  function showErrors(root, errors) {
    Object.keys(errors || {}).forEach(function (path) {
      var target = root.querySelector('[data-path="' + path.replace(/"/g, "") + '"]');
      if (!target) return;
      var holder = target.tagName === "DIV" || target.tagName === "LI" ? target : target.parentNode;
      if (holder.querySelector(':scope > .field-error[data-for="' + path + '"]')) return;
      if (target.tagName !== "DIV" && target.tagName !== "LI") target.setAttribute("aria-invalid", "true");
      holder.appendChild(el("p", { className: "field-error", "data-for": path, text: errors[path].join(" ") }));
    });
  }

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    var form = document.querySelector("form.rule-form");
    if (!form) return;
    var metaNode = document.getElementById("rule-editor-meta");
    var meta = metaNode ? JSON.parse(metaNode.textContent) : null;
    var trigger = form.querySelector("[name=trigger]");
    var statusField = form.querySelector("[name=status_field]");
    showTrigger(form);
    if (trigger) trigger.addEventListener("change", function () { showTrigger(form); });
    if (statusField) statusField.addEventListener("change", function () { showTrigger(form); });
    var kind = form.querySelector("select[name=object_type][data-reload]");
    if (kind) {
      kind.addEventListener("change", function () {
        window.location.search = "?object_type=" + encodeURIComponent(kind.value);
      });
    }
    if (!meta) return;
    [["conditions", ConditionEditor], ["actions", ActionEditor]].forEach(function (pair) {
      var textarea = form.querySelector("textarea[name=" + pair[0] + "]");
      var root = form.querySelector("[data-editor=" + pair[0] + "]");
      if (!textarea || !root) return;
      textarea.closest(".field").hidden = true;
      root.hidden = false;
      new pair[1](root, meta, textarea).start();
    });
  });
})();
