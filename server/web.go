package server

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

// web holds the demo page, embedded so the binary serves it with no files
// beside it. web/sdk.js is a copy of miniprogram-sdk's browser bundle
// (TestEmbeddedSDKIsCurrent keeps them equal).
//
//go:embed web
var web embed.FS

func (a *App) mountDemo(r *gin.Engine) {
	sub, _ := fs.Sub(web, "web")
	files := http.FileServer(http.FS(sub))
	serve := func(c *gin.Context) { files.ServeHTTP(c.Writer, c.Request) }
	r.GET("/", serve)
	r.GET("/index.html", serve)
	r.GET("/app.js", serve)
	r.GET("/gold.js", serve)
	r.GET("/style.css", serve)
	r.GET("/sdk.js", serve)
}
