// Interface strings come from the server's gettext (python-format): "%(name)s" placeholders and
// "%%" for a literal percent sign. The one formatter of every page.
export const fmt = (template, values = {}) => String(template)
  .replace(/%\((\w+)\)s|%%/g, (match, key) => (key === undefined ? "%" : key in values ? values[key] : ""));
