;; Reads the clock: must be refused at load with forbidden_import.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "tessera_abi_v1"))
  (func (export "tessera_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "tessera_decide") (param i32 i32) (result i64)
    (drop (call $clock (i32.const 0) (i64.const 0) (i32.const 0)))
    (i64.const 0)))
