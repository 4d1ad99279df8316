;; Well-formed JSON of the wrong shape for a refund: must end with schema_violation.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "{\"output\":{\"outcome\":\"approve\",\"basis_points\":99999}}")
  (func (export "tessera_abi_v1"))
  (func (export "tessera_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "tessera_decide") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 53))))
