;; Source: Rosetta Code, task "Balanced brackets" (https://rosettacode.org/wiki/Balanced_brackets), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Balanced-brackets/Clojure/balanced-brackets-2.clj
;;   (commit cb5bb5e2222aa0c99dd42cf74afb8959fa0a64a8).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-balanced-brackets; -main checks the task's example strings.
(ns corpus.rc-balanced-brackets)

(defn balanced? [s]
  (empty?
    (reduce
      (fn [stack first]
        (case first
          \[ (conj stack \[)
          \] (if (seq stack)
               (pop stack)
               (reduced [:UNDERFLOW]))))
      '()
      s)))

(defn -main []
  (doseq [s ["" "[]" "][" "[][]" "][][" "[[][]]" "[]][[]"]]
    (println (pr-str s) (balanced? s))))
