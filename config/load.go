package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// envPrefix starts the name of every environment override.
const envPrefix = "SALESBOT_"

// key is one leaf setting of Config.
type key struct {
	path   string // YAML path, "wecom.aibot.encoding_aes_key"
	env    string // "SALESBOT_WECOM_AIBOT_ENCODING_AES_KEY"
	index  []int  // for reflect.Value.FieldByIndex on a Config
	secret string // the secret tag: "", "true" or "dsn"
}

// keys lists Config's leaves in declaration order. They are derived from the
// yaml tags so that a new field is loadable from the environment, and
// masked, without further code; env names are never split on "_" because
// keys themselves contain underscores.
var keys = leaves(reflect.TypeFor[Config](), "", nil)

func leaves(t reflect.Type, prefix string, index []int) []key {
	var ks []key
	for i := range t.NumField() {
		f := t.Field(i)
		path := yamlName(f)
		if prefix != "" {
			path = prefix + "." + path
		}
		idx := append(slices.Clip(index), i)
		if f.Type.Kind() == reflect.Struct {
			ks = append(ks, leaves(f.Type, path, idx)...)
			continue
		}
		env := envPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
		ks = append(ks, key{path: path, env: env, index: idx, secret: f.Tag.Get("secret")})
	}
	return ks
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

// EnvKeys returns the names of all environment variables that override a
// setting, in the order of the keys in the file.
func EnvKeys() []string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.env
	}
	return names
}

// Load reads the configuration from the YAML file at path (none if path is
// empty), applies the process environment's overrides and validates it.
func Load(path string) (*Config, error) {
	return LoadFrom(path, os.Environ())
}

// LoadFrom is Load with an explicit environment of "NAME=value" entries, so
// tests need not touch the process environment. Precedence, lowest first:
// Default, the file, the environment.
func LoadFrom(path string, environ []string) (*Config, error) {
	c := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err) // *PathError names the file
		}
		if err := decodeYAML(data, c); err != nil {
			// Line-numbered errors read "config: salesbot.yaml line 3: ...".
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			if !strings.HasPrefix(msg, "line ") {
				return nil, fmt.Errorf("config: %s: %s", path, msg)
			}
			return nil, fmt.Errorf("config: %s %s", path, msg)
		}
	}
	if err := c.applyEnv(environ); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeYAML decodes data onto c. It walks the node tree itself rather than
// using yaml's KnownFields, whose errors name a Go type instead of the key
// path the operator wrote.
func decodeYAML(data []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil // an empty file leaves the defaults
	} else if err != nil {
		return err
	}
	// A second document would be silently ignored otherwise.
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		if err != nil {
			return err
		}
		return errors.New("more than one YAML document")
	}
	if len(doc.Content) == 0 {
		return nil
	}
	return decodeMapping(doc.Content[0], reflect.ValueOf(c).Elem(), "")
}

// decodeMapping decodes mapping node n onto struct v, whose key path is prefix.
func decodeMapping(n *yaml.Node, v reflect.Value, prefix string) error {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		where := prefix + ": "
		if prefix == "" {
			where = "top level: "
		}
		return fmt.Errorf("line %d: %swant a mapping, got %s", n.Line, where, describe(n, false))
	}
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		path := k.Value
		if prefix != "" {
			path = prefix + "." + k.Value
		}
		f, ok := fieldByName(v.Type(), k.Value)
		if !ok || k.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: unknown key %q", k.Line, path)
		}
		if seen[k.Value] {
			return fmt.Errorf("line %d: duplicate key %q", k.Line, path)
		}
		seen[k.Value] = true
		fv := v.FieldByIndex(f.Index)
		if fv.Kind() == reflect.Struct {
			if err := decodeMapping(val, fv, path); err != nil {
				return err
			}
			continue
		}
		val = resolve(val)
		if isNull(val) {
			continue // "key:" with no value keeps the default rather than blanking it
		}
		if err := val.Decode(fv.Addr().Interface()); err != nil {
			return fmt.Errorf("line %d: %s: want %s, got %s", val.Line, path, typeName(fv.Type()), describe(val, f.Tag.Get("secret") != ""))
		}
	}
	return nil
}

func fieldByName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); yamlName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// resolve follows an alias to its anchored node.
func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node holds for an error message, hiding the value of
// a secret.
func describe(n *yaml.Node, secret bool) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind != yaml.ScalarNode:
		return "an alias"
	case secret:
		return "a " + n.ShortTag() + " value"
	}
	return strconv.Quote(n.Value)
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "an integer"
	case reflect.Pointer: // *bool
		return "true or false"
	}
	return "a string"
}

// applyEnv applies the SALESBOT_* overrides in environ. Unknown SALESBOT_*
// names are ignored because tests and tools share the prefix (for example
// SALESBOT_TEST_MYSQL_DSN); EnvKeys lists the valid ones.
func (c *Config) applyEnv(environ []string) error {
	env := make(map[string]string)
	for _, kv := range environ {
		if name, value, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(name, envPrefix) {
			env[name] = value // the last one wins, as in exec.Cmd
		}
	}
	root := reflect.ValueOf(c).Elem()
	for _, k := range keys {
		s, ok := env[k.env]
		if !ok {
			continue
		}
		if err := setString(root.FieldByIndex(k.index), s); err != nil {
			return fmt.Errorf("config: %s: %w", k.env, err)
		}
	}
	return nil
}

// setString sets leaf v from its text form s.
func setString(v reflect.Value, s string) error {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int:
		n, err := strconv.ParseInt(s, 10, 0)
		if err != nil {
			return fmt.Errorf("want an integer, got %q", s)
		}
		v.SetInt(n)
	case reflect.Pointer: // *bool; empty means unset, which is "auto"
		if s == "" {
			v.SetZero()
			return nil
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", s)
		}
		v.Set(reflect.ValueOf(&b))
	default:
		panic("config: no environment support for " + v.Type().String())
	}
	return nil
}
