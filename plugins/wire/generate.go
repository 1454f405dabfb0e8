package wire

// The generated code is committed. To regenerate it after changing
// connector.proto, with protoc 3.21+, protoc-gen-go v1.36.12 and
// protoc-gen-go-grpc v1.6.0 on PATH, run `go generate ./plugins/wire`.
//go:generate protoc --proto_path=. --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative connector.proto
