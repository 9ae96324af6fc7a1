package console

import (
	"embed"
	"io/fs"
	"net/http"
)

// The page is plain HTML, CSS and JavaScript, embedded so the binary is all
// a user needs: no build step, no frameworks, nothing fetched from a CDN
// (the console must work offline).
//
//go:embed static
var staticFiles embed.FS

// contentPolicy lets the page load only its own files. Card images may come
// from any http(s) URL or be inline PNGs (data: URLs).
const contentPolicy = "default-src 'self'; img-src 'self' data: http: https:; " +
	"style-src 'self'; script-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"

func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// pageHandler serves the chat page.
func pageHandler() http.Handler {
	page, err := staticFiles.ReadFile("static/index.html")
	if err != nil {
		panic("console: index.html not embedded: " + err.Error()) // a build mistake
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// Always revalidate: the page and its scripts change with the binary.
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(page)
	})
}

// staticHandler serves the page's CSS and JavaScript under /console/static/.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic("console: static files not embedded: " + err.Error())
	}
	files := http.StripPrefix("/console/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w.Header())
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
