package config

import (
	"bytes"
	"log/slog"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// mask replaces a secret's value wherever configuration is shown.
const mask = "******"

// Redacted returns a deep copy of c in which every non-empty secret is
// replaced by "******" and a MySQL DSN has its password masked.
func (c *Config) Redacted() *Config {
	r := *c
	if c.Console.Enabled != nil {
		on := *c.Console.Enabled
		r.Console.Enabled = &on
	}
	redact(reflect.ValueOf(&r).Elem())
	return &r
}

// redact masks the secrets of struct v in place. An empty secret is left
// empty, so the output still tells whether it is set.
func redact(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch tag := v.Type().Field(i).Tag.Get("secret"); {
		case f.Kind() == reflect.Struct:
			redact(f)
		case tag == "" || f.String() == "":
		case tag == "dsn":
			f.SetString(maskDSN(f.String()))
		default:
			f.SetString(mask)
		}
	}
}

// maskDSN masks the password of user:password@... the way
// go-sql-driver/mysql finds it: the last "/" ends the address, the last "@"
// before it ends the credentials, and the first ":" splits them. It masks a
// URL-style DSN (scheme://user:pass@host/db) too, over-masking its user name.
func maskDSN(dsn string) string {
	slash := strings.LastIndexByte(dsn, '/')
	if slash < 0 {
		return dsn
	}
	at := strings.LastIndexByte(dsn[:slash], '@')
	if at < 0 {
		return dsn
	}
	colon := strings.IndexByte(dsn[:at], ':')
	if colon < 0 {
		return dsn
	}
	return dsn[:colon+1] + mask + dsn[at:]
}

// The String and LogValue methods below have value receivers so that a
// Config or a section printed or logged by value is masked too, not only a
// pointer to it.

// String renders the redacted configuration as YAML, so that %v, %s and %+v
// never show a secret.
func (c Config) String() string { return yamlText(reflect.ValueOf(c.Redacted()).Elem(), false) }

// LogValue logs the redacted configuration as a group of its keys.
func (c Config) LogValue() slog.Value { return logValue(reflect.ValueOf(c.Redacted()).Elem()) }

// String renders the section, secret masked, as one line of flow YAML.
func (d Database) String() string { return yamlText(masked(&d), true) }

// LogValue logs the section with its secret masked.
func (d Database) LogValue() slog.Value { return logValue(masked(&d)) }

// String renders the section, secret masked, as one line of flow YAML.
func (a API) String() string { return yamlText(masked(&a), true) }

// LogValue logs the section with its secret masked.
func (a API) LogValue() slog.Value { return logValue(masked(&a)) }

// String renders the section, secrets masked, as one line of flow YAML.
func (l Lark) String() string { return yamlText(masked(&l), true) }

// LogValue logs the section with its secrets masked.
func (l Lark) LogValue() slog.Value { return logValue(masked(&l)) }

// String renders the section, secrets masked, as one line of flow YAML.
func (w WeCom) String() string { return yamlText(masked(&w), true) }

// LogValue logs the section with its secrets masked.
func (w WeCom) LogValue() slog.Value { return logValue(masked(&w)) }

// String renders the section, secrets masked, as one line of flow YAML.
func (a AIBot) String() string { return yamlText(masked(&a), true) }

// LogValue logs the section with its secrets masked.
func (a AIBot) LogValue() slog.Value { return logValue(masked(&a)) }

// String renders the section, secrets masked, as one line of flow YAML.
func (d DingTalk) String() string { return yamlText(masked(&d), true) }

// LogValue logs the section with its secrets masked.
func (d DingTalk) LogValue() slog.Value { return logValue(masked(&d)) }

// masked redacts the struct p points to, which must be the caller's own copy
// (a section has no pointers, so a value receiver is one), and returns it.
func masked(p any) reflect.Value {
	v := reflect.ValueOf(p).Elem()
	redact(v)
	return v
}

// yamlText renders struct v as YAML, in flow style (one line) if flow is set.
func yamlText(v reflect.Value, flow bool) string {
	var n yaml.Node
	if err := n.Encode(v.Interface()); err != nil {
		return "config: " + err.Error() // unreachable: only strings, ints and *bool
	}
	if flow {
		n.Style = yaml.FlowStyle
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return "config: " + err.Error()
	}
	enc.Close()
	return strings.TrimSuffix(b.String(), "\n")
}

// logValue turns struct v into a slog group keyed by the YAML names.
func logValue(v reflect.Value) slog.Value {
	attrs := make([]slog.Attr, 0, v.NumField())
	for i := range v.NumField() {
		name, f := yamlName(v.Type().Field(i)), v.Field(i)
		switch f.Kind() {
		case reflect.Struct:
			attrs = append(attrs, slog.Attr{Key: name, Value: logValue(f)})
		case reflect.Pointer: // console.enabled, whose nil means auto
			if f.IsNil() {
				attrs = append(attrs, slog.String(name, "auto"))
			} else {
				attrs = append(attrs, slog.Any(name, f.Elem().Interface()))
			}
		default:
			attrs = append(attrs, slog.Any(name, f.Interface()))
		}
	}
	return slog.GroupValue(attrs...)
}
