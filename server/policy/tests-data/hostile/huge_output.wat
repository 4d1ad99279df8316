;; Claims a 64 MiB response: must end with output_too_large before anything is copied.
(module
  (memory (export "memory") 1)
  (func (export "tessera_abi_v1"))
  (func (export "tessera_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "tessera_decide") (param i32 i32) (result i64)
    (i64.const 0x04000000)))
