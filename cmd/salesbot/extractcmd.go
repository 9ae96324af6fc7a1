package main

import (
	"context"
	"errors"
)

// runExtract implements "salesbot extract" (DESIGN §6).
func runExtract(ctx context.Context, env *cliEnv, args []string) error {
	return errors.New("not implemented yet")
}
