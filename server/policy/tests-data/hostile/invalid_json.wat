;; Answers "not json{": must end with bad_output_json.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "not json{")
  (func (export "tessera_abi_v1"))
  (func (export "tessera_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "tessera_decide") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 9))))
