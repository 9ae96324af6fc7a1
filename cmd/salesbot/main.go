// Command salesbot is a self-hosted sales bot for WeCom, Lark/Feishu and
// DingTalk group chats. Run "salesbot serve" to start it; with no
// configuration it uses an SQLite file and the local web console.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Set by the linker: -ldflags "-X main.version=v1.2.3 -X main.commit=abc".
var (
	version = "dev"
	commit  = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// errUsage marks an error in how the command was called.
var errUsage = errors.New("usage")

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv is what a subcommand may use: its streams.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func commands() []command {
	return []command{
		{"serve", "[--config FILE] [--demo]", "run the bot: HTTP server, platforms, outbox, scheduler", runServe},
		{"migrate", "[--config FILE]", "bring the database schema up to date and exit", runMigrate},
		{"import", "org|customers|targets FILE.csv [--config FILE]", "import members, customers or targets from CSV (all rows or none)", runImport},
		{"export", "followups|collections|tasks|targets [--since DATE] [--format csv|jsonl] [--all] [--config FILE]", "write records to stdout", runExport},
		{"parse", "[--now RFC3339] [--tz IANA] [--customers FILE]", "read messages on stdin (JSON lines or text), print what they report as JSON lines", runParse},
		{"extract", "[--now RFC3339] [--tz IANA]", "read messages on stdin, print the times, numbers and money in them as JSON lines", runExtract},
		{"digest", "[--team NAME] [--date YYYY-MM-DD] [--send [--force]] [--config FILE]", "print each team's progress card and its manager's morning digest (and queue them with --send)", runDigest},
		{"sync", "lark|wecom|dingtalk [--config FILE]", "pull departments and people from a platform's contact API into teams and members", runSync},
		{"wecom-group", "TEAM [--again] [--config FILE]", "create a WeCom group chat for a team through the app and make it the team's chat", runWeComGroup},
		{"version", "", "print version, commit and Go version", runVersion},
	}
}

// run executes the command line and returns the exit status. Every failure
// prints one line on stderr.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &cliEnv{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "salesbot %s: %v\nusage: salesbot %s %s\n", c.name, err, c.name, c.args)
			return 2
		}
		fmt.Fprintf(stderr, "salesbot %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "salesbot: unknown command %q (try \"salesbot help\")\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "salesbot — a sales bot for WeCom, Lark/Feishu and DingTalk group chats")
	fmt.Fprintln(w, "\nusage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  salesbot %-8s %s\n      %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\nEvery setting can also be given as an environment variable, e.g. SALESBOT_DATABASE_DSN.")
}

// newFlags returns a flag set for a subcommand that reports errors instead
// of exiting, with the common --config flag.
func newFlags(name string, env *cliEnv) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	cfg := fs.String("config", "", "configuration file (YAML)")
	return fs, cfg
}

// parseFlags parses args, allowing flags after positional arguments
// ("import org FILE --config x.yaml"), and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
