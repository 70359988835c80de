module github.com/rpsio/rpsio/bench/floor

go 1.26.0

require github.com/lesismal/nbio v1.6.8
