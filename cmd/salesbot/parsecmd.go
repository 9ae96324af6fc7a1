package main

import (
	"context"
	"errors"
)

// runParse implements "salesbot parse" (DESIGN §6).
func runParse(ctx context.Context, env *cliEnv, args []string) error {
	return errors.New("not implemented yet")
}
