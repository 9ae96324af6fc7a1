// Package consoletest helps end-to-end tests drive the console page in a real
// browser: headless Chromium through chromedp. It is for tests only; the
// console itself does not depend on it.
package consoletest

import (
	"context"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian installs Chromium; tests use that browser and
// no other, so results do not depend on whatever else a machine has.
const ChromiumPath = "/usr/bin/chromium"

// NewBrowser starts headless Chromium with a fresh profile and returns a
// chromedp context for one tab; the browser stops when the test ends.
//
// Without Chromium the test is skipped, except when the CI environment
// variable is set: there a missing browser must fail the build rather than
// silently skip the end-to-end tests.
func NewBrowser(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is required in CI: %v", err)
		}
		t.Skipf("no chromium at %s: %v", ChromiumPath, err)
	}
	// Made before the cleanup below is registered, so it is removed after
	// the browser has exited (cleanups run last-in first-out).
	profile := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // containers run tests as root
		chromedp.Flag("disable-gpu", true),
		// Nothing may reach the internet: no update checks, no sync, no QUIC.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// /dev/shm is tiny in many containers and Chromium crashes when it fills.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1280, 860),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc() // waits for the browser process to exit
	})
	// Start the browser now, on a context without a deadline: the first run's
	// context owns the browser's lifetime.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// SaveScreenshot writes a PNG of the page to the file named by the
// SALESBOT_SCREENSHOT environment variable, when it is set, so a person can
// look at what the test saw.
func SaveScreenshot(ctx context.Context, t testing.TB) {
	t.Helper()
	path := os.Getenv("SALESBOT_SCREENSHOT")
	if path == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Errorf("save screenshot: %v", err)
	}
}
