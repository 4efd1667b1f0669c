;; Source: Rosetta Code, task "Closures Value capture" (https://rosettacode.org/wiki/Closures_Value_capture), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Closures-Value-capture/Clojure/closures-value-capture.clj
;;   (commit cb5bb5e2222aa0c99dd42cf74afb8959fa0a64a8).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-closures-value-capture; the top-level forms that print or show a result are in -main.
(ns corpus.rc-closures-value-capture)

(def funcs (map #(fn [] (* % %)) (range 11)))

(defn -main []
  (printf "%d\n%d\n" ((nth funcs 3)) ((nth funcs 4))))
