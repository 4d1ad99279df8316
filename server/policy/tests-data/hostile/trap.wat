;; Hits `unreachable`: must end with trap.
(module
  (memory (export "memory") 1)
  (func (export "tessera_abi_v1"))
  (func (export "tessera_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "tessera_decide") (param i32 i32) (result i64)
    unreachable))
