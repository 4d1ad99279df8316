;; Spins forever inside tessera_decide: must end with fuel_exhausted.
(module
  (memory (export "memory") 1)
  (func (export "tessera_abi_v1"))
  (func (export "tessera_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "tessera_decide") (param i32 i32) (result i64)
    (loop $forever (br $forever))
    (i64.const 0)))
