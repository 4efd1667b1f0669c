;; Source: Rosetta Code, task "Digital root" (https://rosettacode.org/wiki/Digital_root), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Digital-root/Clojure/digital-root.clj
;;   (commit cb5bb5e2222aa0c99dd42cf74afb8959fa0a64a8).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-digital-root; -main prints the task's examples.
(ns corpus.rc-digital-root)

(defn dig-root [value]
  (let [digits (fn [n]
                 (map #(- (byte %) (byte \0))
                      (str n)))
        sum    (fn [nums]
                 (reduce + nums))]
    (loop [n    value
           step 0]
      (if (< n 10)
        {:n value :add-persist step :digital-root n}
        (recur (sum (digits n))
               (inc step))))))

(defn -main []
  (doseq [n [627615 39390 588225 393900588225]]
    (prn (dig-root n))))
