;; Everything but the ABI marker: must be refused at load with wrong_abi.
(module
  (memory (export "memory") 1)
  (func (export "tessera_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "tessera_decide") (param i32 i32) (result i64) (i64.const 0)))
