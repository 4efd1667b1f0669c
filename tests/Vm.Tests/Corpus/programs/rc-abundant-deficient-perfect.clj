;; Source: Rosetta Code, task "Abundant, deficient and perfect number classifications" (https://rosettacode.org/wiki/Abundant,_deficient_and_perfect_number_classifications), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Abundant-deficient-and-perfect-number-classifications/Clojure/abundant-deficient-and-perfect-number-classifications-1.clj
;;   (commit cb5bb5e2222aa0c99dd42cf74afb8959fa0a64a8).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-abundant-deficient-perfect; -main classifies 1..1000 (the task asks 20000).
(ns corpus.rc-abundant-deficient-perfect)

(defn pad-class
  [n]
  (let [divs (filter #(zero? (mod n %)) (range 1 n))
        divs-sum (reduce + divs)]
    (cond
      (< divs-sum n) :deficient
      (= divs-sum n) :perfect
      (> divs-sum n) :abundant)))

(def pad-classes (map pad-class (map inc (range))))

(defn count-classes
  [n]
  (let [classes (take n pad-classes)]
    {:perfect (count (filter #(= % :perfect) classes))
     :abundant (count (filter #(= % :abundant) classes))
     :deficient (count (filter #(= % :deficient) classes))}))

(defn -main []
  (prn (count-classes 1000)))
