module github.com/rpsio/rpsio

go 1.24
