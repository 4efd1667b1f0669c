;; Source: Rosetta Code, task "Comma quibbling" (https://rosettacode.org/wiki/Comma_quibbling), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Comma-quibbling/Clojure/comma-quibbling.clj
;;   (commit f23f22d71c285985898c796573a9c514cc8ea505).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-comma-quibbling; the top-level calls are in -main; clojure.pprint required, as the REPL the solution was written at had loaded it.
(ns corpus.rc-comma-quibbling
  (:require [clojure.pprint]))

(defn quibble [sq]
  (let [sep (if (pos? (count sq)) " and " "")]
    (apply str
      (concat "{" (interpose ", " (butlast sq)) [sep (last sq)] "}"))))

; Or, using clojure.pprint's cl-format, which implements common lisp's format:
(defn quibble-f [& args]
  (clojure.pprint/cl-format nil "{~{~a~#[~; and ~:;, ~]~}}" args))

(def test
  #(doseq [sq [[]
               ["ABC"]
               ["ABC", "DEF"]
               ["ABC", "DEF", "G", "H"]]]
     ((comp println %) sq)))

(defn -main []
  (test quibble)
  (test quibble-f))
